//! One measuring run: the local servers, Rust's measurements, then Python's, each inside its own
//! load window, with a progress bar on stderr; the result is the evidence the page is computed
//! from.

use evidence::load::Window;
use evidence::record::Evidence;
use indicatif::{ProgressBar, ProgressStyle};

use crate::{connections, measure, server};

/// What the command line asked to measure.
pub struct Asked {
    pub quick: bool,
    pub repeat: u64,
    pub connections: u64,
    pub python: bool,
}

/// Measures Rust, then Python if asked, each inside its own load window.
pub fn measure(asked: &Asked) -> anyhow::Result<Evidence> {
    // Before the servers start, so that they inherit it too.
    let fits = connections::raise_open_file_limit()?;
    let size = measure::Size::new(asked.quick, asked.connections.min(fits));
    let repeat = if asked.quick {
        1
    } else {
        asked.repeat as usize
    };
    let server = server::Server::start(size.page_delay)?; // Forks: before any thread.
    let many = server::Server::start(size.connection_delay)?;
    let ports = measure::Ports {
        pages: server.port(),
        connections: many.port(),
    };
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let steps = repeat as u64 * measure::STEPS * if asked.python { 2 } else { 1 };
    let bar = ProgressBar::new(steps).with_style(
        ProgressStyle::with_template("{msg:32} [{bar:30}] {pos}/{len}, {elapsed}")?
            .progress_chars("=> "),
    );
    let mut evidence = Evidence::default();
    measure::record_setup(&size, cpus, repeat, asked.quick, evidence.scope_mut("run"));
    if size.connections < asked.connections && !asked.quick {
        let note = format!(
            "{} of the {} connections asked for: the open-file limit allows no more",
            size.connections, asked.connections
        );
        evidence.scope_mut("run").fact("connections_limited", note);
    }
    evidence::machine::record(evidence.scope_mut("run"))?;

    // The servers answer for the measurement: their CPU time is the run's own.
    let helpers = [server.pid(), many.pid()];
    let window = Window::open_with_helpers(&helpers)?;
    let mut rust = measure::all(&size, repeat, cpus, ports, &bar)?;
    window.close()?.record(&mut rust);
    evidence.insert("rust", rust);

    if asked.python {
        bar.set_message("Python");
        let window = Window::open_with_helpers(&helpers)?;
        if let Some(mut python) = measure::python(ports, &size, repeat, cpus, asked.quick, &bar)? {
            window.close()?.record(&mut python);
            evidence.insert("python", python);
        }
    }
    bar.finish_and_clear();
    Ok(evidence)
} // The server processes are killed and reaped as `server` and `many` drop.
