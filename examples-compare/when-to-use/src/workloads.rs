//! The notes' four use cases as real work, each runnable three ways: in one thread, in worker
//! threads (`std::thread::scope`), and in a pool of worker processes (`common::pool`, forked).
//! Every way returns a checksum of what it computed, so the program can check that all three
//! agree before it compares their times.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use anyhow::{Context, Result};
use common::pool::ProcessPool;
use common::process::StartMethod;
use common::target::Target;
use image::{GrayImage, Luma, imageops};

/// Sequential, threads, processes, or async tasks (the last for the I/O-bound rows only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Technique {
    Sequential,
    Threads,
    Processes,
    Async,
}

impl Technique {
    /// The notes' word for it.
    pub fn notes_name(self) -> &'static str {
        match self {
            Technique::Sequential => "Sequential",
            Technique::Threads => "Multithreading",
            Technique::Processes => "Multiprocessing",
            Technique::Async => "Async tasks",
        }
    }
}

/// `f` over `items` in `workers` threads that each take the next item until none is left;
/// the results in input order.
pub fn in_threads<T: Sync, R: Send>(
    items: &[T],
    workers: usize,
    f: impl Fn(&T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return anyhow::Ok(());
                        };
                        let result = f(item)?;
                        *results[i].lock().expect("no panic while held") = Some(result);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| common::panic::join_scoped(h)?)
    })?;
    Ok(results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .expect("no panic while held")
                .expect("every item ran")
        })
        .collect())
}

/// Runs `target` over `items` by `technique`; returns the results in order.
fn three_ways<T, R>(
    technique: Technique,
    workers: usize,
    target: &Target<T, Result<R>>,
    items: Vec<T>,
) -> Result<Vec<R>>
where
    T: serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + Clone + Sync + 'static,
    R: serde::Serialize + serde::de::DeserializeOwned + Send + 'static,
{
    match technique {
        Technique::Sequential => items.into_iter().map(|item| target.call(item)).collect(),
        Technique::Threads => in_threads(&items, workers, |item| target.call(item.clone())),
        Technique::Processes => {
            Ok(ProcessPool::new(workers, StartMethod::Fork)?.map(target, items)?)
        }
        Technique::Async => anyhow::bail!("no async way here: see `asynchronous`"),
    }
}

/// Sums a result vector into one checksum.
pub fn checksum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0, |a, v| a.rotate_left(5) ^ v)
}

// ---- File I/O: write many files, read each back, remove it. ----

pub fn file_round_trip((dir, n, size): (PathBuf, u64, usize)) -> Result<u64> {
    let path = dir.join(format!("file-{n}"));
    let bytes: Vec<u8> = (0..size).map(|i| (i as u64 ^ n) as u8).collect();
    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    let back = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
    Ok(back.iter().map(|&b| u64::from(b)).sum())
}
const FILE_ROUND_TRIP: Target<(PathBuf, u64, usize), Result<u64>> =
    common::target!(file_round_trip);

/// `files` files of `size` bytes in `dir`, each written and read back (the async way:
/// `asynchronous::file_io`).
pub fn file_io(t: Technique, workers: usize, dir: &Path, files: u64, size: usize) -> Result<u64> {
    let items = (0..files).map(|n| (dir.to_owned(), n, size)).collect();
    Ok(checksum(three_ways(t, workers, &FILE_ROUND_TRIP, items)?))
}

// ---- Web scraping: fetch pages from the slow local server. ----

fn fetch(arg: (u16, u64)) -> Result<u64> {
    crate::server::fetch(arg)
}
const FETCH: Target<(u16, u64), Result<u64>> = common::target!(fetch);

/// Fetches `pages` pages from the server on `port` (the async way: `asynchronous::web`).
pub fn web(t: Technique, workers: usize, port: u16, pages: u64) -> Result<u64> {
    let items = (0..pages).map(|n| (port, n)).collect();
    Ok(checksum(three_ways(t, workers, &FETCH, items)?))
}

// ---- Image processing: a Gaussian blur, band by band. ----

/// The blur's sigma, and the rows above and below a band that its result depends on
/// (three sigmas cover the kernel of `imageops::blur`; one band more for safety).
const SIGMA: f32 = 3.0;
const HALO: u32 = 12;

/// A square test image with detail everywhere.
pub fn test_image(side: u32) -> GrayImage {
    GrayImage::from_fn(side, side, |x, y| {
        Luma([((x * 7 + y * 13) ^ (x * y)) as u8])
    })
}

/// A band of rows with its halo, as a process receives it: `(width, first row of the band in
/// the pixels, rows in the band, pixels)`.
type Band = (u32, u32, u32, Vec<u8>);

fn blur_band((width, skip, rows, pixels): Band) -> Result<Vec<u8>> {
    let height = (pixels.len() / width as usize) as u32;
    let image = GrayImage::from_raw(width, height, pixels).context("band size")?;
    let blurred = imageops::blur(&image, SIGMA);
    Ok(imageops::crop_imm(&blurred, 0, skip, width, rows)
        .to_image()
        .into_raw())
}
const BLUR_BAND: Target<Band, Result<Vec<u8>>> = common::target!(blur_band);

/// The image cut in one band per worker: `(first row, rows)` of each.
fn bands(height: u32, workers: usize) -> Vec<(u32, u32)> {
    let band = height.div_ceil(workers as u32);
    (0..height)
        .step_by(band as usize)
        .map(|y| (y, band.min(height - y)))
        .collect()
}

/// A band with the rows its blur needs above and below: `(top, skip, rows taken)`.
fn with_halo(height: u32, (y, rows): (u32, u32)) -> (u32, u32, u32) {
    let top = y.saturating_sub(HALO);
    let bottom = (y + rows + HALO).min(height);
    (top, y - top, bottom - top)
}

/// The bytes of pixels a pool of `workers` processes is sent (bands with their halos) and
/// sends back (the blurred bands) for an image of `side`².
pub fn image_bytes(side: u32, workers: usize) -> u64 {
    let sent: u64 = bands(side, workers)
        .into_iter()
        .map(|band| u64::from(with_halo(side, band).2) * u64::from(side))
        .sum();
    sent + u64::from(side) * u64::from(side)
}

/// Blurs `image`: whole, or cut into one band per worker. Threads read the bands where they are;
/// processes are sent a copy of theirs.
pub fn image(t: Technique, workers: usize, image: &GrayImage) -> Result<u64> {
    let (width, height) = image.dimensions();
    let bands = bands(height, workers);
    let with_halo = |&band: &(u32, u32)| with_halo(height, band);
    let blurred_rows: Vec<Vec<u8>> = match t {
        Technique::Sequential => vec![imageops::blur(image, SIGMA).into_raw()],
        Technique::Threads => in_threads(&bands, workers, |band| {
            let (top, skip, taken) = with_halo(band);
            let view = imageops::crop_imm(image, 0, top, width, taken);
            let blurred = imageops::blur(&*view, SIGMA);
            Ok(imageops::crop_imm(&blurred, 0, skip, width, band.1)
                .to_image()
                .into_raw())
        })?,
        Technique::Async => anyhow::bail!("CPU-bound work has no async way"),
        Technique::Processes => {
            let items = bands.iter().map(|band| {
                let (top, skip, taken) = with_halo(band);
                let pixels = imageops::crop_imm(image, 0, top, width, taken)
                    .to_image()
                    .into_raw();
                (width, skip, band.1, pixels)
            });
            ProcessPool::new(workers, StartMethod::Fork)?.map(&BLUR_BAND, items)?
        }
    };
    Ok(checksum(
        blurred_rows
            .concat()
            .chunks(8)
            .map(|c| c.iter().fold(0, |a, &b| a << 8 | u64::from(b))),
    ))
}

// ---- Scientific computation: Monte Carlo estimate of π. ----

/// How many of `samples` random points in the unit square fall inside the quarter circle.
pub fn darts((samples, seed): (u64, u64)) -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..samples)
        .filter(|_| {
            let (a, b) = (next(), next());
            a * a + b * b <= 1.0
        })
        .count() as u64
}
fn darts_checked(arg: (u64, u64)) -> Result<u64> {
    Ok(darts(arg))
}
const DARTS: Target<(u64, u64), Result<u64>> = common::target!(darts_checked);

/// Throws `samples` darts in 16 chunks; returns the hits (π ≈ 4 · hits / samples).
pub fn monte_carlo(t: Technique, workers: usize, samples: u64) -> Result<u64> {
    let items = (0..16).map(|seed| (samples / 16, seed)).collect();
    Ok(three_ways(t, workers, &DARTS, items)?.into_iter().sum())
}

/// Every target this program runs in another process (for `roles::run_if_child`).
pub const TARGETS: &[&dyn common::target::Entry] = &[&FILE_ROUND_TRIP, &FETCH, &BLUR_BAND, &DARTS];
