//! One measuring run: Rust's measurements, then Python's, each inside its own load window, with a
//! progress bar on stderr; the result is the evidence the page is computed from.

use anyhow::Result;
use evidence::load::Window;
use evidence::record::Evidence;
use indicatif::{ProgressBar, ProgressStyle};

use crate::observed::Setup;
use crate::{measure, python};

/// Measures everything `setup` plans, and Python's side too if `with_python`.
pub fn measure(setup: &Setup, with_python: bool) -> Result<Evidence> {
    let steps = setup.plan.steps() * if with_python { 2 } else { 1 };
    let bar = ProgressBar::new(steps).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} steps, {elapsed}")?
            .progress_chars("=> "),
    );
    let mut evidence = Evidence::default();
    setup.record(evidence.scope_mut("run"));
    evidence::machine::record(evidence.scope_mut("run"))?;

    bar.set_message("measuring Rust");
    let window = Window::open()?;
    let mut rust = measure::all(&setup.plan, || bar.inc(1))?;
    window.close()?.record(&mut rust);
    evidence.insert("rust", rust);

    if with_python {
        bar.set_message("measuring Python");
        let window = Window::open()?;
        if let Some(mut python) = python::run(&setup.plan, || bar.inc(1))? {
            window.close()?.record(&mut python);
            evidence.insert("python", python);
        }
    }
    bar.finish_and_clear();
    Ok(evidence)
}
