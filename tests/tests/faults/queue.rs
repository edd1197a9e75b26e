//! `IpcQueue` and `pipe` (Python's `multiprocessing.Queue` and `Pipe`), and waiting for a child:
//! writers that are gone, the join-before-drain deadlock, large messages, many writers, waiting
//! that costs no CPU.

use std::time::Duration;

use common::pool::ProcessPool;
use common::process::{self, StartMethod};
use common::queue::IpcQueue;
use nix::sys::resource::{UsageWho, getrusage};

use crate::harness::{ALL, Case, FORK, Outcome};
use crate::targets::*;

pub const CASES: &[Case] = &[
    Case {
        name: "queue::get_fails_once_every_writer_is_gone_instead_of_hanging",
        methods: ALL,
        run: no_writer_left,
    },
    Case {
        name: "queue::a_message_that_fails_to_decode_is_an_error_and_the_next_arrives",
        methods: ALL,
        run: an_undecodable_message,
    },
    Case {
        name: "queue::joining_before_draining_ten_mib_does_not_deadlock",
        methods: ALL,
        run: join_before_drain,
    },
    Case {
        name: "queue::large_messages_take_the_ring_joined_first_in_order_and_intact",
        methods: ALL,
        run: through_the_ring,
    },
    Case {
        name: "queue::many_writers_never_interleave_messages",
        methods: FORK, // Its children are forked closures.
        run: many_writers,
    },
    Case {
        name: "queue::small_messages_from_four_writers_never_interleave",
        methods: ALL,
        run: small_messages_from_four_writers,
    },
    Case {
        name: "queue::small_and_large_messages_from_two_writers_never_interleave",
        methods: ALL,
        run: mixed_writers,
    },
    Case {
        name: "queue::get_timeout_returns_none_while_a_writer_lives",
        methods: FORK, // No child: the same under every method.
        run: get_timeout,
    },
    Case {
        name: "queue::joining_a_sleeping_child_costs_the_parent_no_cpu",
        methods: ALL,
        run: |m| join_costs_no_cpu(m, false),
    },
    Case {
        name: "queue::joining_a_child_that_writes_to_a_queue_costs_the_parent_no_cpu",
        methods: ALL,
        run: |m| join_costs_no_cpu(m, true),
    },
    Case {
        name: "queue::a_get_in_one_thread_wakes_while_another_joins_the_writer",
        methods: ALL,
        run: join_while_getting,
    },
    Case {
        name: "queue::a_get_waiting_in_read_and_a_join_draining_the_rest_share_the_pipe",
        methods: ALL,
        run: get_in_read_while_joining,
    },
    Case {
        name: "pipe::recv_fails_once_the_other_end_is_gone_instead_of_hanging",
        methods: ALL,
        run: no_answer,
    },
    Case {
        name: "pipe::no_child_keeps_a_copy_of_a_pipe_end_it_was_not_handed",
        methods: ALL,
        run: eof_beside_children,
    },
];

fn no_writer_left(method: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<String>::new()?;
    let child = process::start(method, &PUT_NOTHING, writer)?;
    let err = queue.get().unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the queue is empty and every writer has closed it"
    );
    Ok(child.join()?)
}

fn an_undecodable_message(method: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<Fussy>::new()?;
    let child = process::start(method, &PUT_FUSSY, writer)?;
    let err = queue.get().unwrap_err();
    assert!(matches!(err, common::Error::Protocol(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        "decoding a message: Serde Deserialization Error"
    );
    assert_eq!(queue.get()?.0, 2);
    Ok(child.join()?)
}

/// The deadlock Python warns about: join a child before taking the 10 MiB it put.
fn join_before_drain(method: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    process::start(method, &PUT_BIG, writer)?.join()?;
    assert!(
        queue.get()? == big_message(7),
        "the first message is intact"
    );
    assert_eq!(queue.get()?, b"and a small one");
    Ok(())
}

/// More than the ring holds, joined before drained (the parent frees ring space while it waits),
/// in order and intact, bytes and encoded values alike.
fn through_the_ring(method: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    process::start(method, &PUT_RING_MIX, writer)?.join()?;
    for i in 0..12 {
        assert!(queue.get()? == patterned(i, 1 << 20), "message {i}");
        assert_eq!(queue.get()?, vec![i as u8; 10]);
    }
    assert!(queue.get()? == patterned(12, 33 << 20), "33 MiB");
    let (writer, queue) = IpcQueue::<String>::new()?;
    let child = process::start(method, &PUT_RING_STRINGS, writer)?;
    for i in 0..6 {
        assert!(queue.get()? == format!("{i}").repeat(300_000), "string {i}");
    }
    Ok(child.join()?)
}

/// Whether `message` is `len` copies of its first byte.
fn intact(message: &[u8], len: usize) -> bool {
    message.len() == len && message.iter().all(|&b| b == message[0])
}

/// Four children put 1000 messages each, of 1 to 4070 bytes (frames up to `PIPE_BUF`, written
/// without the lock): every message arrives whole, and every child's all arrive.
fn small_messages_from_four_writers(method: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let children = (1..=4u8)
        .map(|tag| process::start(method, &PUT_MANY_SMALL, (tag, writer.try_clone()?)))
        .collect::<common::Result<Vec<_>>>()?;
    drop(writer);
    let mut counts = [0usize; 5];
    for n in 0..4000 {
        let message = queue.get()?;
        assert!(
            intact(&message, message.len()) && !message.is_empty(),
            "message {n}"
        );
        counts[usize::from(message[0])] += 1;
    }
    assert_eq!(counts[1..], [1000; 4]);
    for child in children {
        child.join()?;
    }
    assert!(queue.get().unwrap_err().is_closed());
    Ok(())
}

/// Four forked children share one queue; their large messages never interleave.
fn many_writers(_: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let mut children = Vec::new();
    for tag in 1..=4u8 {
        let mine = writer.try_clone()?;
        children.push(process::fork(move || {
            Ok((0..25).try_for_each(|_| mine.put(&vec![tag; 200 * 1024]))?)
        })?);
    }
    drop(writer);
    for n in 0..100 {
        assert!(intact(&queue.get()?, 200 * 1024), "message {n}");
    }
    assert!(queue.get().unwrap_err().is_closed());
    Ok(children.into_iter().try_for_each(process::Child::join)?)
}

/// One child writes small messages and another large ones to one queue: a small message never
/// lands inside a large one, and once one writer is gone the other goes on alone.
fn mixed_writers(method: StartMethod) -> Outcome {
    let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
    let small = process::start(method, &PUT_SIZED, (1, 10, writer.try_clone()?))?;
    let large = process::start(method, &PUT_SIZED, (2, 300 * 1024, writer))?;
    for n in 0..200 {
        let message = queue.get()?;
        let len = if message.first() == Some(&1) {
            10
        } else {
            300 * 1024
        };
        assert!(intact(&message, len), "message {n}");
    }
    small.join()?;
    large.join()?;
    assert!(queue.get().unwrap_err().is_closed());
    Ok(())
}

fn get_timeout(_: StartMethod) -> Outcome {
    let (_writer, queue) = IpcQueue::<String>::new()?;
    assert_eq!(queue.get_timeout(Duration::from_millis(50))?, None);
    Ok(())
}

fn cpu_time() -> anyhow::Result<Duration> {
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() as u64 * 1_000_000 + t.tv_usec() as u64;
    Ok(Duration::from_micros(
        micros(usage.user_time()) + micros(usage.system_time()),
    ))
}

/// Joining a child that sleeps 500 ms costs the parent almost no CPU: the wait blocks in the
/// kernel. CPU time, not wall time, so the verdict holds on a loaded machine.
fn join_costs_no_cpu(method: StartMethod, with_queue: bool) -> Outcome {
    let (writer, queue) = IpcQueue::<String>::new()?;
    let child = if with_queue {
        process::start(method, &SLEEP_THEN_PUT, (500, writer))?
    } else {
        drop(writer);
        process::start(method, &SLEEP_MS, 500)?
    };
    let started = cpu_time()?;
    child.join()?;
    let waiting = cpu_time()? - started;
    assert!(waiting < Duration::from_millis(50), "{waiting:?} of CPU");
    if with_queue {
        assert_eq!(queue.get()?, "after 500 ms");
    }
    Ok(())
}

/// One thread joins a child while another `get`s from the queue the child writes to: the join
/// drains the queue into its buffer, and the getter must still wake. Twenty times.
fn join_while_getting(method: StartMethod) -> Outcome {
    for round in 0..20 {
        let (writer, queue) = IpcQueue::<String>::new()?;
        let child = process::start(method, &SLEEP_THEN_PUT, (round % 3, writer))?;
        std::thread::scope(|s| -> Outcome {
            let getter = s.spawn(|| queue.get_timeout(Duration::from_secs(5)));
            child.join()?;
            let got = getter
                .join()
                .map_err(|_| anyhow::anyhow!("the getter panicked"))??;
            assert_eq!(
                got,
                Some(format!("after {} ms", round % 3)),
                "round {round}"
            );
            Ok(())
        })?;
    }
    Ok(())
}

/// One thread `get`s with no deadline (from Linux 6.5 it waits in `read` itself) while another
/// joins a child that puts 100 messages of 2 KiB, more than a pipe holds: the `get` takes the
/// first, the join drains the rest, and every message arrives. Twenty times; which of the two
/// reads the pipe first varies from round to round, and the unit test
/// `queue::tests::a_get_waiting_in_read_hands_the_pipe_to_a_joiner_which_drains_the_rest` in
/// `common` makes the order where the `get` reads first certain.
fn get_in_read_while_joining(method: StartMethod) -> Outcome {
    for round in 0..20u8 {
        let (writer, queue) = IpcQueue::<Vec<u8>>::new()?;
        let child = process::start(method, &PUT_SIZED, (round, 2048, writer))?;
        std::thread::scope(|s| -> Outcome {
            let getter = s.spawn(|| queue.get());
            child.join()?;
            let first = getter
                .join()
                .map_err(|_| anyhow::anyhow!("the getter panicked"))??;
            assert_eq!(first, vec![round; 2048], "round {round}");
            Ok(())
        })?;
        for i in 1..100 {
            assert_eq!(
                queue.get()?,
                vec![round; 2048],
                "round {round}, message {i}"
            );
        }
        assert!(queue.get().unwrap_err().is_closed(), "round {round}");
    }
    Ok(())
}

fn no_answer(method: StartMethod) -> Outcome {
    let (ours, theirs) = common::pipe::pipe::<u32>()?;
    let child = process::start(method, &ANSWER_NOTHING, theirs)?;
    let err = ours.recv().unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the other end of the pipe was closed (EOFError)"
    );
    Ok(child.join()?)
}

/// A pipe's end is dropped while a child and a pool started after it, and handed nothing, still
/// run: the other end reads EOF at once, since no child kept a copy.
fn eof_beside_children(method: StartMethod) -> Outcome {
    let (ours, theirs) = common::pipe::pipe::<u32>()?;
    let mut child = process::start(method, &SLEEP_MS, 60_000)?;
    let pool = ProcessPool::new(1, method)?;
    drop(theirs);
    assert!(ours.poll(Duration::from_secs(1))?, "readable: EOF");
    assert_eq!(ours.recv_or_closed()?, None);
    drop(pool);
    child.kill()?;
    child.wait()?;
    Ok(())
}
