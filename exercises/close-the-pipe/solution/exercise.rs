use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

/// Each number squared by a child process, through its stdin and stdout.
pub fn squares_by_child(numbers: &[i64]) -> Vec<i64> {
    let mut child = Command::new("sh")
        .args(["-c", "while read n; do echo $((n * n)); done"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting sh");
    let mut to_child = child.stdin.take().unwrap();
    let mut from_child = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut squares = Vec::new();
    for n in numbers {
        writeln!(to_child, "{n}").unwrap();
        squares.push(from_child.next().unwrap().unwrap().parse().unwrap());
    }
    drop(to_child); // Closes the pipe: the child's `read` sees the end, and it exits.
    assert!(child.wait().unwrap().success());
    squares
}
