//! Every key this program records, and what its value must be (see `evidence::schema`, whose
//! `SHARED` fields, the load and the Python twin's interpreter, every recording may have too): a
//! recording is checked against these before any verdict is drawn from it.

use evidence::schema::Field;
use evidence::schema::Scope::{Language, Run};
use evidence::schema::Value::{Count, Flag, NonNegative, Positive, Text};

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
];
