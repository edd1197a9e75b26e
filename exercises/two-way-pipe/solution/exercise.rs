use std::sync::mpsc::{self, Receiver, Sender};

/// One end of a two-way pipe.
pub struct End<T> {
    to_other: Sender<T>,
    from_other: Receiver<T>,
}

/// Two connected ends.
pub fn pipe<T>() -> (End<T>, End<T>) {
    let (a_to_b, b_from_a) = mpsc::channel();
    let (b_to_a, a_from_b) = mpsc::channel();
    let a = End {
        to_other: a_to_b,
        from_other: a_from_b,
    };
    let b = End {
        to_other: b_to_a,
        from_other: b_from_a,
    };
    (a, b)
}

impl<T> End<T> {
    /// Sends `value` to the other end.
    pub fn send(&self, value: T) {
        // If the other end is gone the value is dropped, as a write to a closed pipe is lost.
        _ = self.to_other.send(value);
    }

    /// The next value from the other end; `None` once it is dropped and nothing is left.
    pub fn recv(&self) -> Option<T> {
        self.from_other.recv().ok()
    }
}
