//! `common::pyfmt::Py` prints every finite `f64` as CPython's `repr` does: checked against the
//! `python3` on this machine for 200 000 floats (half random bit patterns, half quarter- and
//! eighth-integers near 10¹⁵, where two shortest spellings are often equally near).

use std::io::Write;
use std::process::{Command, Stdio};

use common::pyfmt::Py;

/// A deterministic xorshift generator: the same sample on every run.
fn sample() -> Vec<f64> {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut floats = Vec::new();
    while floats.len() < 100_000 {
        let f = f64::from_bits(next());
        if f.is_finite() {
            floats.push(f);
        }
    }
    for _ in 0..100_000 {
        let whole = (next() >> 14) as f64; // Up to 2⁵⁰: steps of 1/8 at the top.
        floats.push(whole + (next() % 8) as f64 / 8.0);
    }
    floats.extend([
        897_140_657_352_369.0 + 0.25,
        0.0,
        -0.0,
        5e-324,
        f64::MAX,
        1e16,
        1e-5,
    ]);
    floats
}

#[test]
fn floats_print_as_python_repr() {
    let floats = sample();
    let script = "import struct, sys\nfor line in sys.stdin:\n    print(repr(struct.unpack('<d', bytes.fromhex(line.strip()))[0]))\n";
    let child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("python3 not found: skipping the comparison with repr");
        return;
    };
    let mut input = String::new();
    for f in &floats {
        for byte in f.to_le_bytes() {
            input += &format!("{byte:02x}");
        }
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "{out:?}");
    let python = String::from_utf8(out.stdout).unwrap();
    let mismatches: Vec<String> = floats
        .iter()
        .zip(python.lines())
        .filter(|(f, p)| Py(**f).to_string() != *p)
        .map(|(f, p)| format!("{:?}: Rust {} Python {p}", f, Py(*f)))
        .take(10)
        .collect();
    assert_eq!(python.lines().count(), floats.len());
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// A `--…-ms` flag shown in seconds, as `executor-api` shows its timeout: `Millis::python_seconds`
/// printed by `Py` must be what the twin prints for `ms / 1000`, for every millisecond value from
/// 0 to 200 000 and a spread up to the flag's limit (a day). `Duration::as_secs_f64` differed on
/// 788 of the first 200 000 (`1118` → `1.1179999999999999`).
#[test]
fn every_millisecond_flag_prints_in_seconds_as_its_twin_does() {
    use common::cli::Millis;
    let mut values: Vec<u64> = (0..=200_000).collect();
    values.extend((0..=1000).map(|i| i * (Millis::MAX / 1000)));
    let script = "import sys\nfor line in sys.stdin:\n    print(int(line) / 1000)\n";
    let Ok(mut child) = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        eprintln!("python3 not found: skipping the comparison with Python's ms / 1000");
        return;
    };
    let input: String = values.iter().map(|v| format!("{v}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let python = String::from_utf8(out.stdout).unwrap();
    assert_eq!(python.lines().count(), values.len());
    let mismatches: Vec<String> = values
        .iter()
        .zip(python.lines())
        .filter_map(|(ms, p)| {
            let flag: Millis = ms.to_string().parse().unwrap();
            let rust = Py(&flag.python_seconds()).to_string();
            (rust != p).then(|| format!("{ms} ms: Rust {rust}, Python {p}"))
        })
        .take(10)
        .collect();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
