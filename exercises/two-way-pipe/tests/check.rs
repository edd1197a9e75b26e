use std::thread;
use std::time::Duration;

use exercise_support::within;
use two_way_pipe::pipe;

#[test]
fn squares_come_back_through_the_other_end() {
    let got = within(Duration::from_secs(10), "the pipe", || {
        let (parent, child) = pipe::<i64>();
        let worker = thread::spawn(move || {
            while let Some(n) = child.recv() {
                child.send(n * n);
            }
        });
        let squares: Vec<i64> = [1, 2, 3]
            .iter()
            .map(|&n| {
                parent.send(n);
                parent.recv().unwrap()
            })
            .collect();
        drop(parent); // The worker's recv sees the end.
        worker.join().unwrap();
        squares
    });
    assert_eq!(got, [1, 4, 9]);
}
