use exit_status::{Ended, run_child};

#[test]
fn a_child_that_succeeds_gives_its_output() {
    assert_eq!(
        run_child("sh", &["-c", "echo $((5 * 5))"]),
        Ok("25\n".to_owned())
    );
}

#[test]
fn an_exit_status_is_a_code() {
    assert_eq!(run_child("sh", &["-c", "exit 3"]), Err(Ended::Code(3)));
}

#[test]
fn a_signal_is_a_signal() {
    assert_eq!(
        run_child("sh", &["-c", "kill -9 $$"]),
        Err(Ended::Signal(9))
    );
}
