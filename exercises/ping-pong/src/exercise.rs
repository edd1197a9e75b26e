use std::sync::{Arc, Mutex};

/// `rounds` pings and `rounds` pongs, from two threads, strictly alternating, ping first.
pub fn ping_pong(rounds: usize) -> Vec<&'static str> {
    let log = Arc::new(Mutex::new(Vec::<&'static str>::new()));
    todo!("two threads, ping and pong, taking turns at the log, `rounds` times each")
}
