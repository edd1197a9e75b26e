//! The programs of `examples-compare/`: their tables have the notes' rows and columns, and the
//! facts they demonstrate (who sees a write, what a crash takes down) hold. Timings are never
//! asserted: they depend on the machine.

use std::process::Command;

use tests::{example, run};

/// The feature column of each row of `threads-vs-processes`, in the notes' order.
const FEATURES: [&str; 6] = [
    "Memory",
    "Memory per idle worker",
    "Speed, CPU-bound",
    "Speed, I/O-bound",
    "Crashes",
    "Overhead",
];

/// The table's rows, each split into its cells.
fn rows(page: &str) -> Vec<Vec<String>> {
    page.lines()
        .filter(|l| l.starts_with("| "))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

fn has_python3() -> bool {
    let found = Command::new("python3").arg("--version").output();
    found.is_ok_and(|out| out.status.success())
}

#[test]
fn threads_vs_processes_shows_the_notes_rows_and_their_facts() {
    let with_python = has_python3();
    let mut cmd = example("threads-vs-processes");
    cmd.arg("--quick");
    if with_python {
        cmd.arg("--python");
    } else {
        eprintln!("python3 not found: checking Rust's columns only");
    }
    let out = run(&mut cmd);
    let page = out.success();
    let rows = rows(page);
    let columns = if with_python { 7 } else { 5 };
    assert_eq!(rows[0][3..5], ["Rust threads", "Rust processes"], "{page}");
    assert!(rows.iter().all(|r| r.len() == columns), "{page}");
    let body = &rows[2..];
    assert_eq!(body.len(), FEATURES.len(), "{page}");
    for (row, feature) in body.iter().zip(FEATURES) {
        assert!(row[0].starts_with(feature), "{feature}: {row:?}");
    }
    // Memory and Crashes: the same facts in every language's columns.
    for pair in body[0][3..].chunks(2) {
        assert!(
            pair[0].contains("a thread's write is seen by main"),
            "{pair:?}"
        );
        assert!(
            pair[1].contains("a child's write to a variable is not seen"),
            "{pair:?}"
        );
        assert!(
            pair[1].contains("through a shared value it is seen"),
            "{pair:?}"
        );
    }
    for pair in body[4][3..].chunks(2) {
        assert!(pair[0].contains("main lives"), "{pair:?}");
        assert!(
            pair[0].contains("the whole process is killed by SIGABRT"),
            "{pair:?}"
        );
        assert!(pair[1].contains("a child killed by SIGSEGV"), "{pair:?}");
    }
    assert!(body[4][3].contains("join returns Err(\"boom\")"), "{page}");
    if with_python {
        assert!(body[4][5].contains("join returns None"), "{page}");
    }
    assert!(page.contains("Crashes: \"Isolated crash\" holds"), "{page}");
}

#[test]
fn threads_vs_processes_pins_itself_and_writes_its_data() {
    let data = std::env::temp_dir().join(format!("tvp-{}.tsv", std::process::id()));
    let out = run(example("threads-vs-processes")
        .args(["--quick", "--cpus", "1", "--data"])
        .arg(&data));
    let page = out.success();
    assert!(page.contains("Run on 1 CPU "), "{page}");
    assert!(page.contains("This was a --quick run"), "{page}");
    let tsv = std::fs::read_to_string(&data).expect("the data file");
    std::fs::remove_file(&data).ok();
    for key in [
        "cpu.sequential",
        "io.threads",
        "overhead.spawn",
        "memory.process_kib",
    ] {
        assert!(tsv.contains(&format!("rust\t{key}\t")), "{key}: {tsv}");
    }
    let out = run(example("threads-vs-processes").args(["--quick", "--cpus", "1000"]));
    assert!(out.failure(1).contains("may use only"), "{out:?}");
}

#[test]
fn when_to_use_runs_the_notes_use_cases_and_leaves_no_file() {
    let tmp = std::env::temp_dir().join(format!("when-to-use-test-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    // What a killed run leaves: its directory, named by a pid no process has (pid_max is at
    // most 4194304), with a file in it. The next run removes it.
    let stale = tmp.join("when-to-use-4194304");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("file-3"), b"left by a killed run").unwrap();
    let out = run(example("when-to-use").arg("--quick").env("TMPDIR", &tmp));
    let page = out.success().to_owned();
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    std::fs::remove_dir_all(&tmp).ok();
    assert!(left.is_empty(), "left behind in TMPDIR: {left:?}");
    let rows = rows(&page);
    assert_eq!(
        rows[0],
        [
            "Use case",
            "Notes recommend",
            "Sequential",
            "Threads",
            "Processes",
            "Fastest",
            "Rust's answer"
        ],
        "{page}"
    );
    let expected = [
        ("File I/O", "Multithreading"),
        ("Web scraping", "Multithreading"),
        ("Image processing", "Multiprocessing"),
        ("Scientific computation", "Multiprocessing"),
        ("Responsiveness", "Multithreading"),
    ];
    assert_eq!(rows.len(), 2 + expected.len(), "{page}");
    for (row, (use_case, notes)) in rows[2..].iter().zip(expected) {
        assert!(row[0].starts_with(use_case), "{row:?}");
        assert_eq!(row[1], notes, "{row:?}");
        assert!(row[2].ends_with("×)") && row[3].ends_with("×)"), "{row:?}");
    }
    assert_eq!(
        rows[6][4], "–",
        "a process has no main loop to keep free: {page}"
    );
}

#[test]
fn when_to_use_adds_pythons_table_with_python() {
    if !has_python3() {
        eprintln!("skipping: python3 not found");
        return;
    }
    let out = run(example("when-to-use").args(["--quick", "--python"]));
    let page = out.success();
    let rows = rows(page);
    assert_eq!(rows.len(), 14, "two tables of 5 rows: {page}");
    assert_eq!(rows[7][6], "Python's answer", "{page}");
    assert!(rows[10][0].starts_with("Web scraping"), "{page}");
    assert!(rows[13][0].starts_with("Responsiveness"), "{page}");
}

/// `make bench`'s report from tiny runs: the charts and the page are written.
#[test]
fn bench_report_writes_the_charts_and_the_page() {
    let dir = std::env::temp_dir().join(format!("bench-report-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = |name: &str| dir.join(name);
    let tvp = run(example("threads-vs-processes")
        .args(["--quick", "--sweep", "2", "--data"])
        .arg(data("threads-vs-processes.tsv")));
    std::fs::write(data("threads-vs-processes.md"), tvp.success()).unwrap();
    let when = run(example("when-to-use")
        .args(["--quick", "--data"])
        .arg(data("when-to-use.tsv")));
    std::fs::write(data("when-to-use.md"), when.success()).unwrap();
    run(tests::binary("tests", "bench-report").arg(&dir)).success();
    for chart in [
        "speedup-cpu-bound.svg",
        "speedup-io-bound.svg",
        "when-to-use.svg",
    ] {
        let svg = std::fs::read_to_string(data(chart)).unwrap_or_default();
        assert!(
            svg.starts_with("<svg") && svg.contains("threads"),
            "{chart}"
        );
    }
    let report = std::fs::read_to_string(data("report.md")).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        report.contains("![speedup-cpu-bound.svg](speedup-cpu-bound.svg)"),
        "{report}"
    );
    assert!(report.contains("| Crashes |"), "{report}");
    assert!(report.contains("| Web scraping"), "{report}");
    assert!(report.contains("process-core.md is missing"), "{report}");
}
