//! The one list of what a freshly forked child resets: CPython's
//! `multiprocessing.util.register_after_fork`.
//!
//! A forked child starts with a copy of everything its parent held: the socket to the parent's
//! resource tracker, the parent's fork server, the ends of the parent's pipes. None of them is the
//! child's. Each module that holds such per-process state registers, once, a function that lets
//! go of it; every fork path of this crate ([`fork`](super::fork()), `start(Fork)`, pool workers,
//! the fork server's children) runs the whole list in the child before anything else. So a child
//! started one way sees the same state as a child started another way.
//!
//! The list is a fixed set of slots read without a lock: a child that runs it writes nothing but
//! what the hooks themselves change (every page a forked child writes is a copy the kernel makes).

use std::sync::OnceLock;

/// Room for every module of this crate that registers (there are three).
const SLOTS: usize = 8;

static HOOKS: [OnceLock<fn()>; SLOTS] = [const { OnceLock::new() }; SLOTS];

/// Registers `hook` to run in every child forked from now on; registering it again does nothing.
pub(crate) fn register(hook: fn()) {
    for slot in &HOOKS {
        // A slot already holding `hook` means it is registered; an empty one takes it.
        if std::ptr::fn_addr_eq(*slot.get_or_init(|| hook), hook) {
            return;
        }
    }
    unreachable!("more after-fork hooks than SLOTS: raise it");
}

/// Runs every registered hook, in the order registered: in a forked child, first thing.
pub(crate) fn run() {
    for hook in HOOKS.iter().map_while(OnceLock::get) {
        hook();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static RAN: AtomicUsize = AtomicUsize::new(0);

    fn count() {
        RAN.fetch_add(1, Ordering::Relaxed);
    }

    #[test]
    fn a_hook_registered_twice_runs_once() {
        register(count);
        register(count);
        let before = RAN.load(Ordering::Relaxed);
        run();
        assert_eq!(RAN.load(Ordering::Relaxed), before + 1);
    }
}
