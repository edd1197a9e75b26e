//! A child sends a message to its parent through a pipe: its standard output.
use std::env;
use std::process::Command;

fn main() {
    if env::args().nth(1).as_deref() == Some("worker") {
        println!("Hello from worker");
        return;
    }
    let me = env::current_exe().expect("the path of this program");
    // `output` pipes the child's stdout, reads it to the end and waits for the child.
    let out = Command::new(me)
        .arg("worker")
        .output()
        .expect("starting the child");
    assert!(out.status.success());
    let message = String::from_utf8(out.stdout).expect("UTF-8");
    print!("{message}");
    assert_eq!(message, "Hello from worker\n");
}
