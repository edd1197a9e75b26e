//! Every key this program records, and what its value must be (see `evidence::schema`, whose
//! `SHARED` fields, the load and the Python twin's interpreter, every recording may have too): a
//! recording is checked against these before any verdict is drawn from it.

use evidence::schema::Field;
use evidence::schema::Scope::{Language, Run};
use evidence::schema::Value::{Count, Ending, Flag, NonNegative, Positive, Text, Words};

const SEEN: evidence::schema::Value = Words(&["seen", "not seen"]);
const YES_NO: evidence::schema::Value = Words(&["yes", "no"]);

/// The fields of a threads-vs-processes recording.
pub const FIELDS: &[Field] = &[
    // The machine and the plan: every one of these is needed to draw the page.
    Field::required(Run, "cpus", Count),
    Field::required(Run, "logical", Count),
    Field::required(Run, "physical", Count),
    Field::required(Run, "pinned", Flag),
    Field::required(Run, "quick", Flag),
    Field::required(Run, "plan.cpu-units", Count),
    Field::required(Run, "plan.cpu-workers", Count),
    Field::required(Run, "plan.idle", Count),
    Field::required(Run, "plan.idle-tasks", Count),
    Field::required(Run, "plan.io-ms", Positive),
    Field::required(Run, "plan.io-waits", Count),
    Field::required(Run, "plan.io-workers", Count),
    Field::required(Run, "plan.process-starts", Count),
    Field::required(Run, "plan.repeat", Count),
    Field::required(Run, "plan.sweep", NonNegative),
    Field::required(Run, "plan.task-starts", Count),
    Field::required(Run, "plan.thread-starts", Count),
    Field::once(Run, "cpus", Text),
    Field::once(Run, "date", Text),
    Field::once(Run, "kernel", Text),
    // Timings, in seconds (overheads in µs), one a run.
    Field::each_run(Language, "cpu.sequential", Positive),
    Field::each_run(Language, "cpu.threads", Positive),
    Field::each_run(Language, "cpu.processes", Positive),
    Field::each_run(Language, "io.sequential", Positive),
    Field::each_run(Language, "io.threads", Positive),
    Field::each_run(Language, "io.processes", Positive),
    Field::each_run(Language, "io.tasks", Positive),
    Field::each_run(Language, "overhead.thread", Positive),
    Field::each_run(Language, "overhead.task", Positive),
    Field::each_run(Language, "overhead.fork", Positive),
    Field::each_run(Language, "overhead.spawn", Positive),
    Field::each_run(Language, "overhead.forkserver", Positive),
    Field::each_run(Language, "sweep.cpu.threads.#", Positive),
    Field::each_run(Language, "sweep.cpu.processes.#", Positive),
    Field::each_run(Language, "sweep.io.threads.#", Positive),
    Field::each_run(Language, "sweep.io.processes.#", Positive),
    // Memory an idle worker adds, in KiB (a thread can add less than a page).
    Field::once(Language, "memory.thread_kib", NonNegative),
    Field::once(Language, "memory.task_kib", NonNegative),
    Field::once(Language, "memory.process_kib", NonNegative),
    // What was seen.
    Field::once(Language, "memory.thread_write", SEEN),
    Field::once(Language, "memory.child_write", SEEN),
    Field::once(Language, "memory.shared_write", SEEN),
    Field::once(
        Language,
        "crash.thread_error",
        Words(&["panic", "exception"]),
    ),
    Field::once(Language, "crash.thread_panic.main_lives", YES_NO),
    Field::once(Language, "crash.thread_panic.join", Text),
    Field::once(Language, "crash.thread_abort.ended", Ending),
    Field::once(Language, "crash.child_segv.ended", Ending),
    Field::once(Language, "crash.child_segv.parent_lives", YES_NO),
];
