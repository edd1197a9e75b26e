use std::sync::atomic::Ordering;
use std::time::Duration;

use exercise_support::within;
use stop_the_daemon::Background;

#[test]
fn dropping_it_stops_and_joins_the_thread() {
    let background = Background::start();
    let ended = background.ended();
    within(
        Duration::from_secs(10),
        "dropping the Background",
        move || drop(background),
    );
    // `join` returned, so everything the thread did happened before this line.
    assert!(
        ended.load(Ordering::SeqCst),
        "the drop returned while the thread still ran"
    );
}

#[test]
fn it_works_until_dropped() {
    let background = Background::start();
    let first = background.rounds();
    within(
        Duration::from_secs(10),
        "dropping the Background",
        move || drop(background),
    );
    assert!(first <= 1_000_000);
}
