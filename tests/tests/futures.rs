//! The futures programs (notes § Using concurrent.futures) and the process-pool executor's
//! failure cases, run in the single-threaded `process-faults` binary.

use tests::{START_METHODS, example, faults, faults_each_method, run};

#[test]
fn executors_print_the_squares_from_both_pools_under_every_start_method() {
    assert_eq!(
        run(&mut example("executors")).success(),
        "[1, 4, 9, 16]\n[1, 4, 9, 16]\n"
    );
    for method in START_METHODS {
        let out =
            run(example("executors").args(["5", "-6", "--workers", "1", "--start-method", method]));
        assert_eq!(out.success(), "[25, 36]\n[25, 36]\n", "{method}");
    }
}

#[test]
fn a_process_pool_beside_a_running_thread_pool_needs_forkserver_or_spawn() {
    let out = run(example("executors").args(["--overlap", "--start-method", "fork"]));
    assert!(
        out.failure(1)
            .contains("cannot fork: this process has 4 threads"),
        "{out:?}"
    );
    assert_eq!(
        out.stdout, "[1, 4, 9, 16]\n",
        "the thread pool's line comes first"
    );
    for method in ["forkserver", "spawn"] {
        let out = run(example("executors").args(["--overlap", "--start-method", method]));
        assert_eq!(out.success(), "[1, 4, 9, 16]\n[1, 4, 9, 16]\n", "{method}");
    }
}

#[test]
fn as_completed_prints_in_finishing_order_then_submission_order() {
    // Lengths a whole 150 ms unit apart: the finishing order does not depend on scheduling.
    let out = run(example("as-completed").args(["--unit-ms", "150"]));
    assert_eq!(out.success(), "1\n2\n3\n[3, 1, 2]\n");
    let out = run(example("as-completed").args(["--unit-ms", "150", "2", "1"]));
    assert_eq!(out.success(), "1\n2\n[2, 1]\n");
    // Certain by construction, not by the sleeps: with no sleep at all the order still holds.
    for _ in 0..20 {
        let out =
            run(example("as-completed").args(["--unit-ms", "0", "5", "4", "3", "2", "1", "3"]));
        assert_eq!(out.success(), "1\n2\n3\n3\n4\n5\n[5, 4, 3, 2, 1, 3]\n");
    }
}

#[test]
fn a_panicking_task_fails_only_its_future_in_the_process_pool() {
    for (method, out) in faults_each_method("executor-panic") {
        assert!(
            out.starts_with("panicking task: the task panicked: "),
            "{method}: {out}"
        );
        assert!(out.contains("three is right out"), "{method}: {out}");
        assert!(out.contains("\nnext task: Ok(42)\n"), "{method}: {out}");
    }
}

#[test]
fn a_dead_worker_process_breaks_every_pending_and_later_future_within_a_second() {
    for (_, out) in faults_each_method("executor-broken") {
        broken_pool_report(&out);
    }
}

fn broken_pool_report(out: &str) {
    let mut lines = out.lines();
    let killed = lines.next().unwrap();
    assert!(
        killed.starts_with("killed task: broken pool: worker process "),
        "{out}"
    );
    assert!(killed.ends_with(" was killed by SIGKILL"), "{out}");
    assert_eq!(lines.next(), Some("within 1 s: true"), "{out}");
    assert_eq!(lines.next(), Some("long task broken: true"), "{out}");
    assert_eq!(lines.next(), Some("queued tasks broken: true"), "{out}");
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("later task: broken pool: worker process "),
        "{out}"
    );
}

#[test]
fn a_cancelled_task_never_runs_in_a_worker_process() {
    for (method, out) in faults_each_method("executor-cancel") {
        assert_eq!(
            out,
            "cancel queued: true\nblocker: Ok(true)\ncancelled: Err(Cancelled)\nkept: Ok(true)\n\
             times counted: 1\nchildren: none\ndescriptors: as before\n",
            "{method}"
        );
    }
}

#[test]
fn ten_thousand_items_come_back_in_order_from_the_process_pool_executor() {
    for method in ["fork", "forkserver"] {
        assert!(
            faults("executor-map", method).starts_with(
                "chunksize 1, in order: true\nchunksize 625, in order: true\n\
                 with a panic at 3, chunksize 2: 0 1 error\n"
            ),
            "{method}"
        );
    }
}
