use std::sync::mpsc::{Receiver, Sender};

/// One end of a two-way pipe.
pub struct End<T> {
    to_other: Sender<T>,
    from_other: Receiver<T>,
}

/// Two connected ends.
pub fn pipe<T>() -> (End<T>, End<T>) {
    todo!("two channels, crossed")
}

impl<T> End<T> {
    /// Sends `value` to the other end.
    pub fn send(&self, value: T) {
        todo!("send it on `to_other`")
    }

    /// The next value from the other end; `None` once it is dropped and nothing is left.
    pub fn recv(&self) -> Option<T> {
        todo!("receive from `from_other`")
    }
}
