//! The order in which a benchmark samples its columns (this project, the raw primitive, Python…)
//! round after round: interleaved, and fair to each.

/// The order in which round `round` samples `columns` columns: rotated by `round / 2`, and
/// reversed in odd rounds. So every two rounds from the first put any column before another once
/// and after it once: whatever the first after a `fork` pays (the parent's pages are
/// copy-on-write until each is written again) falls as often on either. (Three columns go through
/// all six orders. Rotating alone put this project before the raw primitive in two rounds of
/// three.)
pub fn order(round: usize, columns: usize) -> impl Iterator<Item = usize> {
    let rotated = (0..columns).map(move |i| (i + round / 2) % columns);
    let mut order: Vec<usize> = rotated.collect();
    if round % 2 == 1 {
        order.reverse();
    }
    order.into_iter()
}

#[cfg(test)]
mod tests {
    use super::order;

    /// How many of `rounds` rounds from the first sample column `a` before column `b`.
    fn before(rounds: usize, columns: usize, a: usize, b: usize) -> usize {
        (0..rounds)
            .filter(|&round| {
                let order: Vec<usize> = order(round, columns).collect();
                let at = |c| order.iter().position(|&x| x == c).expect("every column");
                at(a) < at(b)
            })
            .count()
    }

    #[test]
    fn every_two_rounds_put_each_column_before_each_other_once() {
        for columns in 2..=5 {
            for rounds in (2..=12).step_by(2) {
                for a in 0..columns {
                    for b in (0..columns).filter(|&b| b != a) {
                        assert_eq!(
                            before(rounds, columns, a, b),
                            rounds / 2,
                            "{columns} columns, {rounds} rounds: {a} before {b}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_round_samples_every_column_once() {
        for round in 0..12 {
            let mut order: Vec<usize> = order(round, 4).collect();
            order.sort();
            assert_eq!(order, [0, 1, 2, 3]);
        }
    }

    #[test]
    fn three_columns_go_through_all_six_orders() {
        let mut seen: Vec<Vec<usize>> = (0..6).map(|round| order(round, 3).collect()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 6);
    }
}
