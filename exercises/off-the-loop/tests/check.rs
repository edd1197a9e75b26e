use std::time::Duration;

use exercise_support::within;
use off_the_loop::handshake;

#[test]
fn the_blocking_code_hears_from_the_loop() {
    // The loop's thread may be the one that blocks, so the time limit is kept from outside.
    let said = within(
        Duration::from_secs(10),
        "handshake on a one-thread runtime",
        || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            runtime.block_on(handshake())
        },
    );
    assert_eq!(said, "hello from the loop");
}
