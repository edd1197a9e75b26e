//! How the pools' cost grows: `ProcessPool::map` and `ThreadPoolExecutor::map` over 10³ to 10⁷
//! trivial items with 1 to 2 × CPUs workers, as nanoseconds per item, and the peak memory a
//! 10⁷-item map adds beside what its input and output take. Prints a table; with `--data FILE`
//! writes every sample as evidence for `bench-report`'s chart.
//!
//! Run: `cargo bench -p tests --bench pool_scaling [-- --data FILE]`.

use anyhow::{Result, ensure};
use common::futures::ThreadPoolExecutor;
use common::pool::ProcessPool;
use common::process::StartMethod;
use common::target::Target;
use evidence::record::{DataFile, Evidence};

mod measure;

const ITEMS: [u64; 5] = [1_000, 10_000, 100_000, 1_000_000, 10_000_000];

fn trivial(n: u64) -> u64 {
    n + 1
}
const TRIVIAL: Target<u64, u64> = common::target!(trivial);

/// The worker counts swept: 1, the CPUs, and twice the CPUs.
fn worker_counts() -> Vec<usize> {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let mut counts = vec![1, cpus, 2 * cpus];
    counts.dedup();
    counts
}

/// This process's resident memory now and at its peak since the last reset, in KiB.
fn memory() -> Result<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Ok((field("VmRSS:").unwrap_or(0), field("VmHWM:").unwrap_or(0)))
}

/// Starts a new peak: the kernel resets VmHWM to the current RSS (`clear_refs` with 5).
fn reset_peak() -> Result<()> {
    Ok(std::fs::write("/proc/self/clear_refs", "5")?)
}

fn check(results: &[u64], n: u64) -> Result<()> {
    ensure!(results.len() as u64 == n && results.iter().copied().eq(1..=n));
    Ok(())
}

fn main() -> Result<()> {
    common::roles::run_if_child(&[&TRIVIAL]);
    let data = std::env::args()
        .skip_while(|a| a != "--data")
        .nth(1)
        .map(std::path::PathBuf::from);
    let data = data.as_deref().map(DataFile::create).transpose()?;
    let pinned = measure::pin_if_asked()?;
    let run_line = measure::RunLine::start()?;
    let rounds = measure::rounds(3);
    println!(
        "## Pool scaling, {} ({rounds} rounds; Python's pools are in the data paths)\n",
        if pinned {
            "pinned to CPU 0"
        } else {
            "spread over the cores"
        }
    );
    let mut evidence = Evidence::default();
    evidence::machine::record(evidence.scope_mut("run"))?;
    let workers = worker_counts();
    // The process pools first, while this process has one thread (fork), then the thread pools.
    for &w in &workers {
        let mut pool = ProcessPool::new(w, StartMethod::Fork)?;
        for round in 0..rounds {
            eprint!(
                "\rprocess pool, {w} workers: round {}/{rounds}  ",
                round + 1
            );
            for n in ITEMS {
                let seconds = measure::seconds(|| check(&pool.map(&TRIVIAL, 0..n)?, n))?;
                evidence
                    .scope_mut("process-pool")
                    .add(format!("items.{n}.workers.{w}"), seconds / n as f64);
            }
        }
        if w == workers[workers.len() - 1] {
            let (before, _) = memory()?;
            reset_peak()?;
            check(&pool.map(&TRIVIAL, 0..ITEMS[4])?, ITEMS[4])?;
            let (_, peak) = memory()?;
            evidence
                .scope_mut("process-pool")
                .add("peak_added_kib", (peak - before) as f64);
        }
    }
    for &w in &workers {
        let executor = ThreadPoolExecutor::new(w)?;
        for round in 0..rounds {
            eprint!("\rthread pool, {w} workers: round {}/{rounds}  ", round + 1);
            for n in ITEMS {
                let seconds = measure::seconds(|| {
                    let results = executor
                        .map(trivial, 0..n)
                        .collect::<Result<Vec<u64>, _>>()?;
                    check(&results, n)
                })?;
                evidence
                    .scope_mut("thread-pool")
                    .add(format!("items.{n}.workers.{w}"), seconds / n as f64);
            }
        }
        if w == workers[workers.len() - 1] {
            let (before, _) = memory()?;
            reset_peak()?;
            let results = executor
                .map(trivial, 0..ITEMS[4])
                .collect::<Result<Vec<u64>, _>>()?;
            check(&results, ITEMS[4])?;
            let (_, peak) = memory()?;
            evidence
                .scope_mut("thread-pool")
                .add("peak_added_kib", (peak - before) as f64);
        }
    }
    eprintln!();
    // The input (10⁷ u64 as the pool sees them) and the output vector, in KiB.
    let input_output = 2.0 * ITEMS[4] as f64 * 8.0 / 1024.0;
    evidence
        .scope_mut("run")
        .add("input_output_kib", input_output);
    evidence
        .scope_mut("run")
        .add("cpus", workers[1.min(workers.len() - 1)] as f64);
    print_table(&evidence, &workers, input_output);
    run_line.print("not in this table (Python's pools are in the data paths)")?;
    if let Some(data) = data {
        data.write(&evidence, "pool-scaling")?;
    }
    Ok(())
}

fn print_table(evidence: &Evidence, workers: &[usize], input_output: f64) {
    print!("| pool, workers |");
    for n in ITEMS {
        print!(" {n} items |");
    }
    println!();
    println!("|---{}|", "|---".repeat(ITEMS.len()));
    for pool in ["process-pool", "thread-pool"] {
        for &w in workers {
            print!("| {pool}, {w} |");
            for n in ITEMS {
                let stats = evidence
                    .scope(pool)
                    .and_then(|r| r.stats(&format!("items.{n}.workers.{w}")));
                match stats {
                    Some(s) => print!(
                        " {:.0} ns [{:.0}–{:.0}] |",
                        s.median * 1e9,
                        s.min * 1e9,
                        s.max * 1e9
                    ),
                    None => print!(" — |"),
                }
            }
            println!();
        }
    }
    println!();
    for pool in ["process-pool", "thread-pool"] {
        if let Some(peak) = evidence
            .scope(pool)
            .and_then(|r| r.median("peak_added_kib"))
        {
            println!(
                "- {pool}: a map of 10⁷ items adds {:.0} MiB at its peak, {:.2}× its input and output ({:.0} MiB; target ≤ 2×)",
                peak / 1024.0,
                peak / input_output,
                input_output / 1024.0
            );
        }
    }
    println!();
}
