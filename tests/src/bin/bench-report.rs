//! `make bench`'s last step: turns what the measuring programs wrote under `target/reports/` into
//! `report.md` and SVG charts there.
//!
//! Reads `threads-vs-processes.evidence` (from `threads-vs-processes --python --sweep N --data …`),
//! `when-to-use.evidence`, and the Markdown each program and benchmark printed (`*.md`), and writes:
//! - `speedup-cpu-bound.svg`, `speedup-io-bound.svg`: speedup over one thread against the number
//!   of workers, Rust and Python, threads and processes (higher is better);
//! - `when-to-use.svg`: each use case's speedup over sequential: threads, processes and, for the
//!   I/O-bound ones, async tasks;
//! - `report.md`: the charts and every table, in one page.
//!
//! Run: `make bench` (or `cargo run -p tests --bin bench-report -- target/reports` afterwards).
//!
//! With `--record EVIDENCE_DIR` (`make bench-record`), the run becomes the book's evidence: each
//! benchmark's tables, spread and pinned, each ending with the line its run printed (machine,
//! date, load, Python), into `EVIDENCE_DIR/*.md`; the recordings into `EVIDENCE_DIR/*.evidence`;
//! the charts beside the programs that drew them. Everything is read and checked first (a table
//! without its run line, a recording that does not parse, is refused and nothing is written);
//! then each file is replaced whole, by a rename, so none is ever left half written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use evidence::record::{DataFile, Evidence, Stats};
use plotters::prelude::*;

/// Values by language and key: the evidence file a compare program's `--data` wrote.
struct Data(Evidence);

impl Data {
    fn read(path: &Path, program: &str) -> Result<Data> {
        Evidence::read(path, program).map(Data)
    }

    fn median(&self, language: &str, key: &str) -> Option<f64> {
        self.0.scope(language)?.median(key)
    }
}

fn main() -> ExitCode {
    common::cli::run(|| {
        let args: Vec<_> = std::env::args_os().skip(1).collect();
        let (dir, evidence) = match args.as_slice() {
            [dir] => (PathBuf::from(dir), None),
            [dir, flag, evidence] if flag == "--record" => {
                (PathBuf::from(dir), Some(PathBuf::from(evidence)))
            }
            _ => {
                let usage = "usage: bench-report DIR [--record EVIDENCE_DIR]";
                return Err(common::cli::UsageError(usage.into()).into());
            }
        };
        let tvp = Data::read(
            &dir.join("threads-vs-processes.evidence"),
            "threads-vs-processes",
        )?;
        for row in ["cpu", "io"] {
            speedup_chart(&tvp, row, &dir.join(format!("speedup-{row}-bound.svg")))?;
        }
        let when = Data::read(&dir.join("when-to-use.evidence"), "when-to-use")?;
        when_chart(&when, &dir.join("when-to-use.svg"))?;
        let scaling = dir.join("pool-scaling.evidence");
        if scaling.exists() {
            let scaling = Evidence::read(&scaling, "pool-scaling")?;
            pool_scaling_chart(&scaling, &dir.join("pool-scaling.svg"))?;
        }
        let sizes = dir.join("message-sizes.evidence");
        if sizes.exists() {
            let sizes = Evidence::read(&sizes, "message-sizes")?;
            message_size_chart(&sizes, &dir.join("message-sizes.svg"))?;
        }
        let report = dir.join("report.md");
        std::fs::write(&report, page(&dir)?).context("writing report.md")?;
        println!("wrote {}", report.display());
        if let Some(evidence) = evidence {
            record(&dir, &evidence)?;
        }
        Ok(())
    })
}

/// The benchmarks whose tables the book shows, and whether each was also run pinned.
const TABLES: [(&str, bool); 4] = [
    ("process-core", true),
    ("data-paths", true),
    ("message-sizes", true),
    ("pool-scaling", false),
];

/// The recordings the book replays or draws, with the program that wrote each.
const RECORDINGS: [(&str, &str); 6] = [
    ("threads-vs-processes.evidence", "threads-vs-processes"),
    ("threads-vs-processes-1cpu.evidence", "threads-vs-processes"),
    ("when-to-use.evidence", "when-to-use"),
    ("message-sizes.evidence", "message-sizes"),
    ("message-sizes-pinned.evidence", "message-sizes"),
    ("pool-scaling.evidence", "pool-scaling"),
];

/// Each chart, and where the book takes it from (relative to the evidence directory).
const CHARTS: [(&str, &str); 5] = [
    (
        "speedup-cpu-bound.svg",
        "../../examples-compare/threads-vs-processes",
    ),
    (
        "speedup-io-bound.svg",
        "../../examples-compare/threads-vs-processes",
    ),
    ("when-to-use.svg", "../../examples-compare/when-to-use"),
    ("message-sizes.svg", "../benches"),
    ("pool-scaling.svg", "../benches"),
];

/// `--record`: the run in `reports` becomes the evidence in `evidence` (see the module docs).
fn record(reports: &Path, evidence: &Path) -> Result<()> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (name, pinned) in TABLES {
        let spread = table(&reports.join(format!("{name}.md")))?;
        let page = if pinned {
            let pinned = table(&reports.join(format!("{name}-pinned.md")))?;
            format!("Spread over both cores:\n\n{spread}\nPinned to one core:\n\n{pinned}")
        } else {
            spread
        };
        files.push((evidence.join(format!("{name}.md")), page.into_bytes()));
    }
    for (name, program) in RECORDINGS {
        // Parsed and checked now, so that a bad one stops the recording before anything is written.
        let recording = Evidence::read(&reports.join(name), program)?;
        files.push((evidence.join(name), recording.to_text(program).into_bytes()));
    }
    for (name, place) in CHARTS {
        let chart = reports.join(name);
        let bytes =
            std::fs::read(&chart).with_context(|| format!("reading {}", chart.display()))?;
        files.push((evidence.join(place).join(name), bytes));
    }
    for (path, bytes) in files {
        DataFile::create(&path)?.write_bytes(&bytes)?;
        println!("recorded {}", path.display());
    }
    Ok(())
}

/// A benchmark's printed page as the book shows it: its table and the run line after it,
/// without the heading. Refuses a page that lacks either.
fn table(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    table_of(&text).with_context(|| format!("{}", path.display()))
}

fn table_of(text: &str) -> Result<String> {
    let body: Vec<&str> = text
        .lines()
        .skip_while(|line| line.starts_with("## ") || line.trim().is_empty())
        .collect();
    let body = body.join("\n");
    let body = body.trim_end();
    if !body.lines().any(|line| line.starts_with("|---")) {
        bail!("no table");
    }
    let last = body.lines().last().unwrap_or_default();
    if !(last.starts_with("*Measured on") && last.ends_with('*')) {
        bail!("no run line (machine, date, load) after the table");
    }
    Ok(format!("{body}\n"))
}

const SERIES: [(&str, &str, RGBColor); 4] = [
    ("rust", "threads", RGBColor(200, 60, 20)),
    ("rust", "processes", RGBColor(240, 160, 40)),
    ("python", "threads", RGBColor(30, 90, 200)),
    ("python", "processes", RGBColor(90, 170, 230)),
];

/// Speedup over one thread against the number of workers, one line per language and kind.
fn speedup_chart(data: &Data, row: &str, path: &Path) -> Result<()> {
    let workers = (1..=64)
        .take_while(|n| {
            data.median("rust", &format!("sweep.{row}.threads.{n}"))
                .is_some()
        })
        .count();
    if workers == 0 {
        bail!("no sweep.{row}.* values: run threads-vs-processes with --sweep");
    }
    let title = match row {
        "cpu" => "CPU-bound: speedup over one thread (higher is better)",
        _ => "I/O-bound (blocking waits): speedup over one thread (higher is better)",
    };
    let root = SVGBackend::new(path, (720, 450)).into_drawing_area();
    root.fill(&WHITE)?;
    let (heading, rest) = root.split_vertically(30);
    heading.titled(title, ("sans-serif", 17))?;
    let top = workers as f64 + 0.5;
    let python = data
        .0
        .scope("python")
        .map_or("no Python".to_owned(), evidence::twin::python_build);
    let caption = format!(
        "{}, {python}; median, whiskers min–max",
        evidence::machine::describe(data.0.scope("run"))
    );
    let mut chart = ChartBuilder::on(&rest)
        .caption(caption, ("sans-serif", 12))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0.5..top, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("workers")
        .y_desc("speedup (×)")
        .x_labels(workers)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()?;
    // Waits overlap without limit; CPU-bound work only up to one worker per core.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cap = if row == "cpu" {
        cores.min(workers)
    } else {
        workers
    } as f64;
    let ideal = [(1.0, 1.0), (cap, cap), (workers as f64, cap)];
    chart
        .draw_series(LineSeries::new(ideal, BLACK.mix(0.3)))?
        .label(if row == "cpu" {
            "ideal: one worker per core"
        } else {
            "ideal: n workers, n times as fast"
        })
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.mix(0.3)));
    for (i, (language, kind, color)) in SERIES.into_iter().enumerate() {
        let Some(sequential) = data.median(language, &format!("{row}.sequential")) else {
            continue; // No Python in this run.
        };
        let record = data.0.scope(language);
        // Each point: the median speedup, and the range its runs give.
        let points: Vec<(f64, f64, f64, f64)> = (1..=workers)
            .filter_map(|n| {
                let s = record?.stats(&format!("sweep.{row}.{kind}.{n}"))?;
                let x = n as f64 + 0.06 * (i as f64 - 1.5); // Side by side: none hides another.
                Some((
                    x,
                    sequential / s.median,
                    sequential / s.max,
                    sequential / s.min,
                ))
            })
            .collect();
        let line: Vec<(f64, f64)> = points.iter().map(|&(x, y, ..)| (x, y)).collect();
        let style = color.stroke_width(2);
        chart
            .draw_series(LineSeries::new(line.clone(), style))?
            .label(format!("{language} {kind}"))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        for &(x, y) in &line {
            match i {
                0 => chart.draw_series([Circle::new((x, y), 4, color.filled())])?,
                1 => chart.draw_series([TriangleMarker::new((x, y), 5, color.filled())])?,
                2 => chart.draw_series([Cross::new((x, y), 5, color.stroke_width(2))])?,
                _ => chart.draw_series([Circle::new((x, y), 5, color.stroke_width(2))])?,
            };
        }
        chart.draw_series(
            points
                .iter()
                .map(|&(x, y, lo, hi)| ErrorBar::new_vertical(x, lo, y, hi, color, 6)),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Microseconds per message against the message's size, log–log: every series with its own
/// colour and marker, min–max whiskers, and where and when it was measured in the caption.
fn message_size_chart(data: &Evidence, path: &Path) -> Result<()> {
    const LINES: [(&str, &str, RGBColor, Marker); 4] = [
        (
            "project",
            "this project's IpcQueue",
            RGBColor(200, 60, 20),
            Marker::Dot,
        ),
        ("raw", "raw pipe", RGBColor(90, 90, 90), Marker::Cross),
        (
            "ipc-channel",
            "ipc-channel (bytes)",
            RGBColor(40, 150, 60),
            Marker::Triangle,
        ),
        (
            "python",
            "Python's multiprocessing.Queue",
            RGBColor(30, 90, 200),
            Marker::Ring,
        ),
    ];
    let series: Vec<Series> = LINES
        .iter()
        .filter_map(|&(scope, label, color, marker)| {
            let record = data.scope(scope)?;
            let mut points: Vec<(f64, Stats)> = record
                .number_keys()
                .filter_map(|k| Some((k.strip_prefix("size.")?.parse::<f64>().ok()?, k)))
                .filter_map(|(size, k)| Some((size, record.stats(k)?)))
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Some(Series {
                label: label.to_string(),
                color,
                marker,
                points,
            })
        })
        .collect();
    let run = data.scope("run");
    let pinned = run.and_then(|r| r.median("pinned")) == Some(1.0);
    let caption = format!(
        "{}{}, {}; median of 5 runs, whiskers min–max",
        evidence::machine::describe(run),
        if pinned { ", pinned to one CPU" } else { "" },
        run.and_then(|r| r.get_fact("python")).unwrap_or("Python ?")
    );
    let layout = LogLog {
        title: (
            "Cost of one message against its size (µs, log–log; lower is better)",
            18,
        ),
        caption,
        x: (4.0, 128.0 * 1048576.0),
        x_desc: "message size (bytes; the axis marks powers of ten)",
        x_marks: decimal_size,
        y_desc: "µs per message",
        y_scale: 1e6,
        legend: SeriesLabelPosition::UpperLeft,
    };
    log_log_chart(layout, &series, path)
}

/// Nanoseconds per item against the number of items, log–log, a line per pool and worker count.
/// `; peak memory at 10⁷ ÷ in+out: process 0.82×, thread 2.97×`: what each pool's map
/// added to memory at its peak over the size of its input and output, when recorded.
fn peaks(data: &Evidence) -> String {
    let Some(size) = data.scope("run").and_then(|r| r.median("input_output_kib")) else {
        return String::new();
    };
    let each: Vec<String> = ["process-pool", "thread-pool"]
        .iter()
        .filter_map(|pool| {
            let peak = data.scope(pool)?.median("peak_added_kib")?;
            Some(format!(
                "{} {:.2}×",
                pool.trim_end_matches("-pool"),
                peak / size
            ))
        })
        .collect();
    if each.is_empty() {
        return String::new();
    }
    format!("; peak memory at 10⁷ ÷ in+out: {}", each.join(", "))
}

fn pool_scaling_chart(data: &Evidence, path: &Path) -> Result<()> {
    const ITEMS: [f64; 5] = [1e3, 1e4, 1e5, 1e6, 1e7];
    const COLORS: [RGBColor; 6] = [
        RGBColor(200, 60, 20),
        RGBColor(240, 150, 30),
        RGBColor(150, 30, 110),
        RGBColor(30, 90, 200),
        RGBColor(40, 150, 60),
        RGBColor(90, 90, 90),
    ];
    let mut series = Vec::new();
    for (pool, marker) in [
        ("process-pool", Marker::Dot),
        ("thread-pool", Marker::Triangle),
    ] {
        let Some(record) = data.scope(pool) else {
            continue;
        };
        let mut workers: Vec<u64> = record
            .number_keys()
            .filter_map(|k| k.rsplit_once(".workers.")?.1.parse().ok())
            .collect();
        workers.sort_unstable();
        workers.dedup();
        for w in workers {
            let points = ITEMS
                .iter()
                .filter_map(|&n| Some((n, record.stats(&format!("items.{n}.workers.{w}"))?)))
                .collect();
            let color = COLORS[series.len() % COLORS.len()];
            series.push(Series {
                label: format!("{pool}, {w} workers"),
                color,
                marker,
                points,
            });
        }
    }
    let layout = LogLog {
        title: (
            "ProcessPool::map and ThreadPoolExecutor::map: ns per item (log–log; lower is better)",
            16,
        ),
        caption: format!(
            "{}; median of 3, whiskers min–max{}",
            evidence::machine::describe(data.scope("run")),
            peaks(data)
        ),
        x: (500.0, 2e7),
        x_desc: "items in one map",
        x_marks: |x| format!("{x:.0e}"),
        y_desc: "ns per item",
        y_scale: 1e9,
        legend: SeriesLabelPosition::UpperRight,
    };
    log_log_chart(layout, &series, path)
}

/// How a series marks its points, so that none hides another where lines meet.
#[derive(Clone, Copy)]
enum Marker {
    Dot,
    Cross,
    Triangle,
    Ring,
}

/// One line of a log–log chart: (x, seconds) points, each with its spread.
struct Series {
    label: String,
    color: RGBColor,
    marker: Marker,
    points: Vec<(f64, Stats)>,
}

/// What differs between the log–log charts: words, the x range, and the unit seconds become.
struct LogLog {
    title: (&'static str, u32),
    caption: String,
    x: (f64, f64),
    x_desc: &'static str,
    x_marks: fn(f64) -> String,
    y_desc: &'static str,
    /// What a second is in the y axis's unit (1e6 for µs).
    y_scale: f64,
    legend: SeriesLabelPosition,
}

/// Draws `series` on log–log axes: a line per series through the medians, min–max whiskers.
fn log_log_chart(layout: LogLog, series: &[Series], path: &Path) -> Result<()> {
    let scale = layout.y_scale;
    let all = series.iter().flat_map(|s| s.points.iter());
    let (lowest, highest) = all.fold((f64::MAX, 0.0f64), |(lo, hi), (_, s)| {
        (lo.min(s.min * scale), hi.max(s.max * scale))
    });
    let root = SVGBackend::new(path, (760, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let (title, rest) = root.split_vertically(34);
    title.titled(layout.title.0, ("sans-serif", layout.title.1))?;
    let mut chart = ChartBuilder::on(&rest)
        .caption(&layout.caption, ("sans-serif", 13))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(
            (layout.x.0..layout.x.1).log_scale(),
            (lowest / 2.0..highest * 2.0).log_scale(),
        )?;
    chart
        .configure_mesh()
        .x_desc(layout.x_desc)
        .y_desc(layout.y_desc)
        .x_label_formatter(&|x| (layout.x_marks)(*x))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    for line in series {
        let color = line.color;
        let style = color.stroke_width(2);
        let medians: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|(x, s)| (*x, s.median * scale))
            .collect();
        chart
            .draw_series(LineSeries::new(medians.clone(), style))?
            .label(line.label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        for &p in &medians {
            match line.marker {
                Marker::Dot => chart.draw_series([Circle::new(p, 4, color.filled())])?,
                Marker::Cross => chart.draw_series([Cross::new(p, 5, color.stroke_width(2))])?,
                Marker::Triangle => {
                    chart.draw_series([TriangleMarker::new(p, 5, color.filled())])?
                }
                Marker::Ring => chart.draw_series([Circle::new(p, 5, color.stroke_width(2))])?,
            };
        }
        chart.draw_series(line.points.iter().map(|(x, s)| {
            ErrorBar::new_vertical(*x, s.min * scale, s.median * scale, s.max * scale, color, 6)
        }))?;
    }
    chart
        .configure_series_labels()
        .position(layout.legend)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

/// A log axis's mark in decimal units: `10 B`, `1 kB`, `100 MB`.
fn decimal_size(bytes: f64) -> String {
    match bytes {
        b if b >= 1e6 => format!("{:.0} MB", b / 1e6),
        b if b >= 1e3 => format!("{:.0} kB", b / 1e3),
        b => format!("{b:.0} B"),
    }
}

/// The notes' four use cases: speedup over sequential of threads, processes and (for the two
/// I/O-bound ones) async tasks, in Rust and (when measured) in Python; each bar with min–max
/// whiskers over its runs.
fn when_chart(data: &Data, path: &Path) -> Result<()> {
    const CASES: [&str; 4] = ["File I/O", "Web scraping", "Image processing", "Scientific"];
    const BARS: [(&str, &str, RGBColor); 6] = [
        ("rust", "Threads", RGBColor(200, 60, 20)),
        ("rust", "Processes", RGBColor(240, 160, 40)),
        ("rust", "Async", RGBColor(150, 40, 120)),
        ("python", "Threads", RGBColor(30, 90, 200)),
        ("python", "Processes", RGBColor(90, 170, 230)),
        ("python", "Async", RGBColor(40, 150, 90)),
    ];
    // The median speedup and its range: the sequential median over each run's time.
    let speedup = |language: &str, case: usize, technique: &str| {
        let seq = data.median(language, &format!("when.{case}.Sequential"))?;
        let runs = data
            .0
            .scope(language)?
            .stats(&format!("when.{case}.{technique}"))?;
        Some((seq / runs.median, seq / runs.max, seq / runs.min))
    };
    let highest = (0..4)
        .flat_map(|c| BARS.map(|(language, kind, _)| speedup(language, c, kind)))
        .flatten()
        .map(|(_, _, hi)| hi)
        .fold(1.0, f64::max);
    let root = SVGBackend::new(path, (780, 470)).into_drawing_area();
    root.fill(&WHITE)?;
    let (heading, rest) = root.split_vertically(30);
    heading.titled(
        "When to use what: speedup over sequential (higher is better)",
        ("sans-serif", 17),
    )?;
    let python = data
        .0
        .scope("python")
        .map_or("no Python".to_owned(), evidence::twin::python_build);
    let caption = format!(
        "{}, {python}; median, whiskers min–max; Python's CPU-bound work is smaller (see the table)",
        evidence::machine::describe(data.0.scope("run"))
    );
    let mut chart = ChartBuilder::on(&rest)
        .caption(caption, ("sans-serif", 12))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(-0.5..3.5, 0.0..highest * 1.3)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(4)
        .x_label_formatter(&|x: &f64| {
            let i = x.round();
            let x = *x;
            let near = (x - i).abs() < 0.01 && (0.0..4.0).contains(&i);
            if near {
                CASES[i as usize].to_owned()
            } else {
                String::new()
            }
        })
        .y_desc("speedup (×)")
        .draw()?;
    let sequential = LineSeries::new([(-0.5, 1.0), (3.5, 1.0)], BLACK.mix(0.4));
    chart
        .draw_series(sequential)?
        .label("sequential (1×)")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 14, y)], BLACK.mix(0.4)));
    // Six bars a use case, side by side so that none hides another: Rust's three, then Python's.
    let width = 0.8 / BARS.len() as f64;
    for (i, (language, kind, color)) in BARS.into_iter().enumerate() {
        let offset = -0.4 + width * (i as f64 + 0.5);
        let bars: Vec<(f64, (f64, f64, f64))> = (0..4)
            .filter_map(|case| Some((case as f64 + offset, speedup(language, case, kind)?)))
            .collect();
        if bars.is_empty() {
            continue;
        }
        let rectangles = bars.iter().map(|&(x, (height, ..))| {
            Rectangle::new(
                [(x - width * 0.45, 0.0), (x + width * 0.45, height)],
                color.filled(),
            )
        });
        let name = match kind {
            "Async" if language == "python" => "asyncio tasks".to_owned(),
            "Async" => "async tasks".to_owned(),
            other => other.to_lowercase(),
        };
        chart
            .draw_series(rectangles)?
            .label(format!("{language} {name}"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
        chart.draw_series(bars.iter().map(|&(x, (median, lo, hi))| {
            ErrorBar::new_vertical(x, lo, median, hi, BLACK.mix(0.7), 4)
        }))?;
    }
    // Each use case's workload, per language, above its bars: the sizes differ between them.
    let top = highest * 1.12;
    for case in 0..4 {
        for (line, language) in ["rust", "python"].into_iter().enumerate() {
            let Some(size) = workload(data, language, case) else {
                continue;
            };
            let name = if language == "rust" { "Rust" } else { "Python" };
            let y = top - line as f64 * highest * 0.05;
            chart.draw_series([Text::new(
                format!("{name}: {size}"),
                (case as f64 - 0.38, y),
                ("sans-serif", 11),
            )])?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::Coordinate(545, 120))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    root.present()?;
    Ok(())
}

/// A use case's workload in a few words, from its label: the first part in its brackets that
/// holds a number, from that number on (`400 files`, `4096×4096 image`, `160 M samples`).
fn workload(data: &Data, language: &str, case: usize) -> Option<String> {
    let label = data
        .0
        .scope(language)?
        .get_fact(&format!("when.{case}.label"))?;
    let inside = label.split_once('(')?.1;
    let part = inside
        .split([',', ';'])
        .map(str::trim)
        .find(|p| p.chars().any(|c| c.is_ascii_digit()))?;
    let from = part.find(|c: char| c.is_ascii_digit())?;
    let size = part[from..].trim_end_matches(')');
    // `32 pages from the same server`: the size, not how it was served.
    Some(size.split(" from ").next().unwrap_or(size).to_owned())
}

/// The report: the charts, then each program's and benchmark's own Markdown, in order.
fn page(dir: &Path) -> Result<String> {
    let mut out = String::from("# `make bench` report\n\n");
    let sections: [(&str, &str, &[&str]); 10] = [
        (
            "Threading vs multiprocessing (notes § Threading vs Multiprocessing Comparison)",
            "threads-vs-processes.md",
            &["speedup-cpu-bound.svg", "speedup-io-bound.svg"],
        ),
        (
            "The same, pinned to one CPU (`--cpus 1`)",
            "threads-vs-processes-1cpu.md",
            &[],
        ),
        (
            "When to use what (notes § When to Use What)",
            "when-to-use.md",
            &["when-to-use.svg"],
        ),
        (
            "Process core against raw syscalls and Python, spread over the cores",
            "process-core.md",
            &[],
        ),
        (
            "Process core, pinned to one CPU",
            "process-core-pinned.md",
            &[],
        ),
        ("Data paths, spread over the cores", "data-paths.md", &[]),
        ("Data paths, pinned to one CPU", "data-paths-pinned.md", &[]),
        (
            "Message sizes, spread over the cores",
            "message-sizes.md",
            &["message-sizes.svg"],
        ),
        (
            "Message sizes, pinned to one CPU",
            "message-sizes-pinned.md",
            &[],
        ),
        ("Pool scaling", "pool-scaling.md", &["pool-scaling.svg"]),
    ];
    for (title, file, charts) in sections {
        _ = writeln!(out, "## {title}\n");
        for chart in charts {
            _ = writeln!(out, "![{chart}]({chart})\n");
        }
        let path = dir.join(file);
        match std::fs::read_to_string(&path) {
            // Each program's page has its own title: the section's heading replaces it.
            Ok(text) => _ = writeln!(out, "{}\n", text.trim_start_matches(|c| c != '\n').trim()),
            Err(_) => _ = writeln!(out, "(not measured in this run: {file} is missing)\n"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::table_of;

    const TABLE: &str = "| a | b |\n|---|---|\n| 1 | 2 |\n";
    const RUN: &str = "*Measured on 2 CPUs, Linux, 2026-12-07; Python: 3.11; quiet.*";

    #[test]
    fn a_page_keeps_its_table_and_run_line_without_its_heading() {
        let page = format!("## Data paths, pinned\n\n{TABLE}\n\n{RUN}\n\n");
        assert_eq!(table_of(&page).unwrap(), format!("{TABLE}\n\n{RUN}\n"));
    }

    #[test]
    fn a_page_without_its_run_line_or_table_is_refused() {
        let err = table_of(&format!("## Data paths\n\n{TABLE}\n")).unwrap_err();
        assert!(err.to_string().contains("no run line"), "{err}");
        let err = table_of(&format!("## Data paths\n\n{RUN}\n")).unwrap_err();
        assert!(err.to_string().contains("no table"), "{err}");
    }
}
