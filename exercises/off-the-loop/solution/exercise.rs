use std::sync::mpsc;
use std::time::Duration;

/// Blocking code: it waits on a std channel, as a blocking client library waits on a socket.
pub fn wait_blocking(message: mpsc::Receiver<&'static str>) -> &'static str {
    message.recv().expect("the sender is alive")
}

/// A task sends a message after a short sleep; blocking code waits for it.
pub async fn handshake() -> &'static str {
    let (tx, rx) = mpsc::channel();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        tx.send("hello from the loop").unwrap();
    });
    // On a thread of tokio's blocking pool: the loop's own thread stays free for the sender.
    tokio::task::spawn_blocking(move || wait_blocking(rx))
        .await
        .expect("wait_blocking panicked")
}
