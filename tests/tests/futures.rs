//! The futures programs (notes § Using concurrent.futures), run as a user runs them. The
//! process-pool executor's failure cases are the `faults` test's `executor::` cases.

use tests::{START_METHODS, example, run};

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
