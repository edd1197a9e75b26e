//! Turning a panic into an error a reader can see.
//!
//! Python re-raises a worker's exception in the caller; Rust hands the caller the panic's payload
//! (`Box<dyn Any + Send>`) instead. These helpers recover the message so that a joined thread's
//! panic becomes an ordinary `anyhow::Error`, never a swallowed `let _ = handle.join()`.

use std::any::Any;
use std::thread::JoinHandle;

use anyhow::anyhow;

/// The message a panic was raised with (`panic!("boom")` → `"boom"`).
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

/// Joins `handle`; a panic in the thread becomes an error carrying the thread's name and message.
pub fn join<T>(handle: JoinHandle<T>) -> anyhow::Result<T> {
    let name = handle.thread().name().unwrap_or("unnamed").to_owned();
    handle
        .join()
        .map_err(|payload| anyhow!("thread '{name}' panicked: {}", message(&*payload)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_reports_the_panic_message() {
        let handle = std::thread::Builder::new()
            .name("doomed".into())
            .spawn(|| -> () { panic!("boom {}", 7) })
            .unwrap();
        let err = join(handle).unwrap_err();
        assert_eq!(err.to_string(), "thread 'doomed' panicked: boom 7");
        assert_eq!(join(std::thread::spawn(|| 5)).unwrap(), 5);
    }
}
