//! The rule that turns one scene's measurements into its line: how many ticks fell inside the
//! call, and whether the loop's longest pause was the whole call or part of it.

use std::time::Instant;

/// The line for one scene, by its rule: the longest gap between the ticker's stamps is "the
/// whole call" when it is at least as long as the call, else "part of the call".
pub fn report(what: &str, stamps: &[Instant], call: (Instant, Instant), verbose: bool) -> String {
    let during = stamps[1..]
        .iter()
        .filter(|&&t| t > call.0 && t < call.1)
        .count();
    let longest = stamps
        .windows(2)
        .map(|w| w[1] - w[0])
        .max()
        .unwrap_or_default();
    let took = call.1 - call.0;
    if verbose {
        eprintln!("{what}: longest pause {longest:.1?}, the call {took:.1?}");
    }
    let pause = if longest >= took {
        "the whole call"
    } else {
        "part of the call"
    };
    format!("{what}: the loop ticked {during} times while it ran; its longest pause: {pause}")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// The rule, fed both kinds of data: a gap as long as the call, and gaps shorter than it.
    #[test]
    fn the_pause_words_and_the_tick_count_come_from_the_stamps() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        // A tick at 250 after a call from 10 to 210: none inside, the gap 0..250 spans the call.
        let blocked = report("b", &[at(0), at(250), at(270)], (at(10), at(210)), false);
        assert_eq!(
            blocked,
            "b: the loop ticked 0 times while it ran; its longest pause: the whole call"
        );
        // Ticks at 20, 40, 60 inside a call from 0 to 200: every gap is part of it.
        let free = report(
            "f",
            &[at(0), at(20), at(40), at(60)],
            (at(0), at(200)),
            false,
        );
        assert_eq!(
            free,
            "f: the loop ticked 3 times while it ran; its longest pause: part of the call"
        );
        // A loop that kept ticking but paused longer than the call once: the words follow the data.
        let odd = report("o", &[at(0), at(5), at(400)], (at(1), at(100)), false);
        assert_eq!(
            odd,
            "o: the loop ticked 1 times while it ran; its longest pause: the whole call"
        );
    }
}
