//! How the pages spell numbers: ratios, ranges of ratios, and durations.

use crate::record::Stats;

/// A ratio for a reader: `12×`, `1.35×`, or for a ratio below one `1/269` — never `0.00×`.
pub fn times(ratio: f64) -> String {
    if !ratio.is_finite() || ratio <= 0.0 {
        "–".into()
    } else if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else if ratio >= 0.1 {
        format!("{ratio:.2}×")
    } else {
        format!("1/{:.0}", 1.0 / ratio)
    }
}

/// A range of ratios: `1.96× [1.90×–2.01×]`, or one figure when every run gave the same.
pub fn times_range(s: Stats) -> String {
    let (min, max) = (times(s.min), times(s.max));
    if min == max {
        times(s.median)
    } else {
        format!("{} [{min}–{max}]", times(s.median))
    }
}

/// Seconds for a reader, to about three figures: `4.25 ms`, `36.1 ms`, `366 ms`, `1.25 s`.
pub fn seconds(s: f64) -> String {
    match s {
        s if s < 0.01 => format!("{:.2} ms", s * 1e3),
        s if s < 0.1 => format!("{:.1} ms", s * 1e3),
        s if s < 1.0 => format!("{:.0} ms", s * 1e3),
        s => format!("{s:.2} s"),
    }
}

/// Microseconds for a reader: `35 µs`, `1.5 ms`.
pub fn micros(us: f64) -> String {
    if us < 10.0 {
        format!("{us:.2} µs") // A task's start is a fraction of a microsecond: never `0 µs`.
    } else if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.1} ms", us / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_below_ten_keep_two_decimals() {
        assert_eq!(micros(0.354), "0.35 µs");
        assert_eq!(micros(42.4), "42 µs");
        assert_eq!(micros(1520.0), "1.5 ms");
    }

    #[test]
    fn small_ratios_are_fractions() {
        assert_eq!(times(1.0 / 269.0), "1/269");
        assert_eq!(times(0.5), "0.50×");
        assert_eq!(times(12.4), "12×");
        let range = Stats {
            median: 2.0,
            min: 1.9,
            max: 2.1,
            runs: 3,
        };
        assert_eq!(times_range(range), "2.00× [1.90×–2.10×]");
    }

    #[test]
    fn durations_keep_about_three_figures() {
        assert_eq!(seconds(0.004251), "4.25 ms");
        assert_eq!(seconds(0.0361), "36.1 ms");
        assert_eq!(seconds(0.366), "366 ms");
        assert_eq!(seconds(1.254), "1.25 s");
        assert_eq!(micros(35.2), "35 µs");
        assert_eq!(micros(1500.0), "1.5 ms");
    }
}
