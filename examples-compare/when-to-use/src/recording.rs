//! Every key this program records, and what its value must be (see `evidence::schema`): a
//! recording is checked against these before any verdict is drawn from it.

use evidence::schema::Field;
use evidence::schema::Scope::{Language, Python, Run};
use evidence::schema::Value::{Count, Flag, NonNegative, Positive, Text, Words};

/// The fields of a when-to-use recording.
pub const FIELDS: &[Field] = &[
    // The machine and the plan.
    Field::required(Run, "cpus", Count),
    Field::required(Run, "io_workers", Count),
    Field::required(Run, "quick", Flag),
    Field::required(Run, "repeat", Count),
    Field::once(Run, "cpus", Text),
    Field::once(Run, "date", Text),
    Field::once(Run, "kernel", Text),
    Field::once(Run, "connections_limited", Text),
    // Each use case: its label, its time by technique (one a run), what its pool copied.
    Field::once(Language, "when.#.label", Text),
    Field::each_run(Language, "when.#.Sequential", Positive),
    Field::each_run(Language, "when.#.Threads", Positive),
    Field::each_run(Language, "when.#.Processes", Positive),
    Field::each_run(Language, "when.#.Async", Positive),
    Field::once(Language, "when.#.bytes", NonNegative),
    // Starting and joining workers, in seconds, by count.
    Field::each_run(Language, "start.threads.#", Positive),
    Field::each_run(Language, "start.processes.#", Positive),
    // Many connections: each way's time, and the memory it added at its peak.
    Field::once(Language, "conn.label", Text),
    Field::once(Language, "conn.count", Count),
    Field::once(Language, "conn.delay", Positive),
    Field::once(Language, "conn.pool", Count),
    Field::each_run(Language, "conn.ThreadPerRequest", Positive),
    Field::each_run(Language, "conn.Pool", Positive),
    Field::each_run(Language, "conn.Async", Positive),
    Field::each_run(Language, "conn.ThreadPerRequest.peak", NonNegative),
    Field::each_run(Language, "conn.Pool.peak", NonNegative),
    Field::each_run(Language, "conn.Async.peak", NonNegative),
    // The load while the language measured (`evidence::load`).
    Field::once(Language, "load.wall_s", Positive),
    Field::once(Language, "load.busy_s", NonNegative),
    Field::once(Language, "load.own_s", NonNegative),
    Field::once(Language, "load.cpus", Count),
    Field::once(Python, "python.implementation", Text),
    Field::once(Python, "python.version", Text),
    Field::once(Python, "python.gil", Words(&["enabled", "disabled"])),
    Field::once(
        Python,
        "start_method",
        Words(&["fork", "spawn", "forkserver"]),
    ),
];
