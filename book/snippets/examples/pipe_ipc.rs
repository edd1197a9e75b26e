//! Both ways through pipes: the parent writes numbers to a child's stdin and reads the squares
//! from its stdout, one line each, as `Pipe()`'s two ends do.
use std::env;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn main() {
    if env::args().nth(1).as_deref() == Some("worker") {
        for line in std::io::stdin().lines() {
            let n: i64 = line.expect("reading").parse().expect("a number");
            println!("{}", n * n); // Rust's stdout flushes at each newline.
        }
        return; // The parent closed our stdin: no more work.
    }
    let me = env::current_exe().expect("the path of this program");
    let mut child = Command::new(me)
        .arg("worker")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the child");
    let mut to_child = child.stdin.take().unwrap();
    let mut from_child = BufReader::new(child.stdout.take().unwrap()).lines();
    for n in [1, 2, 3] {
        writeln!(to_child, "{n}").unwrap();
        let got = from_child.next().unwrap().unwrap();
        println!("sent {n}, got {got}");
    }
    drop(to_child); // End of input: the worker's loop ends, as Python's `None` would tell it.
    assert!(child.wait().unwrap().success());
}
