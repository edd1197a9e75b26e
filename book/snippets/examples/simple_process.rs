//! A child process squares a number and prints it; the parent waits and checks how it ended.
//! The child is this same program run again, told by its argument what to do: Python's `spawn`.
use std::env;
use std::process::Command;

fn square(n: i64) {
    println!("{}", n * n);
}

fn main() {
    if let Some(n) = env::args().nth(1) {
        square(n.parse().expect("a number"));
        return;
    }
    let me = env::current_exe().expect("the path of this program");
    let status = Command::new(me)
        .arg("5")
        .status()
        .expect("starting the child");
    // `status` says how the child ended: an exit code, or the signal that killed it.
    assert!(status.success(), "the child failed: {status}");
}
