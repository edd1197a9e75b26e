use std::time::Duration;

use exercise_support::within;
use ping_pong::ping_pong;

#[test]
fn the_turns_alternate_every_time() {
    for rounds in [1, 2, 1000] {
        let log = within(Duration::from_secs(20), "ping_pong", move || {
            ping_pong(rounds)
        });
        assert_eq!(log.len(), 2 * rounds);
        for (i, word) in log.iter().enumerate() {
            assert_eq!(*word, if i % 2 == 0 { "ping" } else { "pong" }, "at {i}");
        }
    }
}
