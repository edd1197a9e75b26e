#!/usr/bin/env bash
# make stress: every program, many times, with varied inputs and start methods, each under a
# timeout, while two busy loops compete for the cores; every other round runs each program pinned
# to one CPU (`taskset -c 0`, which its children inherit), where the busy loops compete with it. Counts failures, hangs, wrong outputs and
# leftovers (a process still in the run's session, a named segment it made still in /dev/shm),
# and exits non-zero unless every count is zero.
#
# Usage: tests/stress.sh [ROUNDS] [PROFILE]   (defaults: 200 rounds of every case, release)
set -u
cd "$(dirname "$0")/.."
rounds=${1:-200}
profile=${2:-release}
if [ "$profile" = release ]; then
    cargo build --release --workspace --bins --quiet || exit 1
else
    cargo build --workspace --bins --quiet || exit 1
fi
bin="${CARGO_TARGET_DIR:-target}/$profile"

# Two busy loops, stopped however this script ends.
busy=()
for _ in 1 2; do
    (while :; do :; done) &
    busy+=($!)
done
trap 'kill "${busy[@]}" 2>/dev/null' EXIT

runs=0 failures=0 hangs=0 wrong=0 leftovers=0
problem() { echo "  $1: $2" >&2; }

# check NAME EXPECTED -- PROGRAM ARGS...: runs it in a session of its own and checks everything.
# EXPECTED is the whole stdout, or "first:LINE" for the first line only, or "each:LINE" for
# one or more lines all equal to LINE.
check() {
    local name=$1 expected=$2
    shift 3
    runs=$((runs + 1))
    local out err rc
    err=$(mktemp)
    out=$(timeout 30 setsid --wait "${pin[@]}" "$bin/$@" 2>"$err")
    rc=$?
    if [ $rc -eq 124 ]; then
        hangs=$((hangs + 1)); problem "$name" "hung"
    elif [ $rc -ne 0 ]; then
        failures=$((failures + 1)); problem "$name" "exit $rc: $(head -c 200 "$err")"
    else
        case $expected in
            first:*) [ "$(printf '%s\n' "$out" | head -1)" = "${expected#first:}" ] ;;
            each:*) [ -n "$out" ] && ! printf '%s\n' "$out" | grep -qvx "${expected#each:}" ;;
            *) [ "$out" = "$expected" ] ;;
        esac || { wrong=$((wrong + 1)); problem "$name" "printed $(printf '%q' "$out")"; }
    fi
    # Segments it named (shared-memory -v), which must all be gone.
    local segment
    for segment in $(sed -n 's|^named shared memory: ||p' "$err"); do
        [ -e "$segment" ] && { leftovers=$((leftovers + 1)); problem "$name" "left $segment"; }
    done
    rm -f "$err"
}

# Processes still in a session after its leader exits would be leftovers; `setsid --wait` above
# waits for the leader only, so look for stragglers of this script's own runs at the end.
lifecycle="New: a thread::Builder is configured; no OS thread exists yet
Runnable: spawned; the scheduler may run it whenever a CPU is free
Running: the thread's body is executing and has reported in
Blocked/Waiting: the kernel reports the thread asleep in recv()
Terminated: is_finished() is true; join collects its result"
sync_primitives="event: 3 waiters released by one set()
semaphore(3): 9 workers, at most 3 inside at once
barrier: each of 3 threads saw 3 arrivals before going on
condition: [1, 2, 3, 4, 5] through a one-slot buffer
timer: fired after at least 1 ms
timer: cancelled in time, never fired"
async_timeouts="a timeout around one await: gave up after 1 ms: True; the work was cancelled: True
a timeout around a block: gave up after 1 ms: True; the work was cancelled: True
a cancelled task: its cleanup ran: True; awaiting it reported the cancellation: True
a group where one task fails: 1 error(s): boom; its sibling was cancelled: True"
async_blocking="a blocking sleep in a task: the loop ticked 0 times while it ran; its longest pause: the whole call
the sleep moved to a thread: the loop ticked 2 times while it ran; its longest pause: part of the call"
pool_api="imap: 1 4 9 16 25
imap_unordered, sorted: [1, 4, 9, 16, 25]
starmap(pow): [8, 9]
apply_async(square, 7).get(): 49
initializer sets OFFSET = 10: [11, 12, 13, 14, 15]
maxtasksperchild=1: 4 tasks ran in 4 different processes"
executor_api="wait(FIRST_COMPLETED): done [0], not done [1, 2]
wait(FIRST_EXCEPTION): done [0, 1], not done [2]
wait(ALL_COMPLETED): done [0, 1, 2], not done []
add_done_callback: the callback saw result() 9
exception(): 7 → None, result() 49; -7 → \"negative: -7\"
map(timeout=0.001): TimeoutError; without a timeout: [1, 4, 9]"
methods=(fork spawn forkserver)
pin=()
for ((round = 0; round < rounds; round++)); do
    m=${methods[$((round % 3))]}
    n=$((round % 7 - 3))
    # Odd rounds on one CPU: a demonstration must be certain without a second core too.
    if ((round % 2)); then pin=(taskset -c 0); else pin=(); fi
    check simple-thread "$(printf '0\n1\n2\n3\n4')" -- simple-thread --delay-ms 1
    check thread-args "Hello, R$round!" -- thread-args "R$round"
    check lock-counter "first:with lock: $((2 + round % 3))000" -- \
        lock-counter --threads $((2 + round % 3)) --increments 1000
    check daemon-thread "each:Running background task" -- \
        daemon-thread --interval-ms 5 --run-for-ms 20
    check thread-lifecycle "$lifecycle" -- thread-lifecycle
    check "simple-process $m" "$((n * n))" -- simple-process "$n" --start-method "$m"
    check "process-pool $m" "[$((n * n)), 16, 0]" -- \
        process-pool --workers $((1 + round % 4)) --start-method "$m" "$n" 4 0
    check "queue-ipc $m" "Hello from worker" -- queue-ipc --start-method "$m"
    check "shared-memory $m" "3.1415 [0, -1, -2, -3, -4]" -- shared-memory --start-method "$m" -v
    check "shared-memory --named $m" "3.1415 [0, -1, -2, -3, -4]" -- \
        shared-memory --named --start-method "$m" -v
    check "executors $m" "$(printf '[25, %d]\n[25, %d]' $((n * n)) $((n * n)))" -- \
        executors --workers $((1 + round % 3)) --start-method "$m" 5 "$n"
    check as-completed "$(printf '1\n2\n3\n[3, 1, 2]')" -- as-completed --unit-ms 0
    check thread-local "$(printf 'thread 1: request 1 handled\nthread 2: request 2 handled\nmain: request_id is still 0')" -- \
        thread-local --threads 2
    check producer-consumer "$(printf '4 items from 2 producers, squared by 2 consumers\n[0, 1, 4, 9]\nsum: 14')" -- \
        producer-consumer --producers 2 --consumers 2 --items 2 --maxsize 1
    check sync-primitives "$sync_primitives" -- sync-primitives --timer-ms 1
    check "pipe-ipc $m" "sent $n, got $((n * n))" -- pipe-ipc "$n" --start-method "$m"
    check "process-lock $m" "first:with lock: 200" -- \
        process-lock --processes 2 --increments 100 --start-method "$m"
    check "pool-api $m" "$pool_api" -- pool-api --start-method "$m"
    check executor-api "$executor_api" -- executor-api --timeout-ms 1
    check async-basics "$(printf 'finished: 1 unit(s)\nfinished: 2 unit(s)\nfinished: 3 unit(s)\ngather, in start order: [3, 1, 2]\none thread ran every task: True')" -- \
        async-basics --unit-ms 0
    check async-queue "$(printf '4 items from 2 producers, squared by 2 consumers\n[0, 1, 4, 9]\nsum: 14')" -- \
        async-queue --producers 2 --consumers 2 --items 2 --maxsize 1
    check async-timeouts "$async_timeouts" -- async-timeouts --timeout-ms 1
    check "async-bridge $m" "$(printf 'to_thread: the loop ran another task meanwhile: True\nrun_in_executor, thread pool: [25, %d]\nrun_in_executor, process pool: [25, %d]' $((n * n)) $((n * n)))" -- \
        async-bridge --workers $((1 + round % 3)) --start-method "$m" 5 "$n"
    check async-blocking "$async_blocking" -- async-blocking --block-ms 5 --tick-ms 1 --ticks 2
done

pin=()

# Interrupted runs: shared-memory --named, signalled at a random moment (to its whole process
# group, as Ctrl-C does, or to the parent alone). Whatever the moment, no segment named by that
# run (its names carry its pid) may outlive it: the resource tracker removes them.
interrupted=0
own_segments() { ls /dev/shm 2>/dev/null | grep -c "^shmem_rcn_$1_"; }
for ((round = 0; round < rounds; round++)); do
    m=${methods[$((round % 3))]}
    for target in group parent; do
        for signal in INT TERM HUP KILL; do
            [ "$target" = parent ] && [ "$signal" != KILL ] && [ "$signal" != TERM ] && continue
            runs=$((runs + 1)) interrupted=$((interrupted + 1))
            setsid "$bin/shared-memory" --named --start-method "$m" >/dev/null 2>&1 &
            pid=$!
            sleep "0.00$((RANDOM % 10))"
            if [ "$target" = group ]; then kill -"$signal" -- -"$pid" 2>/dev/null; else kill -"$signal" "$pid" 2>/dev/null; fi
            wait "$pid" 2>/dev/null
            kill -KILL -- -"$pid" 2>/dev/null # A child a parent-only signal left running.
            # The tracker works after the program is gone: give it up to two seconds.
            for _ in $(seq 40); do [ "$(own_segments "$pid")" -eq 0 ] && break; sleep 0.05; done
            left=$(own_segments "$pid")
            if [ "$left" -ne 0 ]; then
                leftovers=$((leftovers + left))
                problem "shared-memory --named $m, SIG$signal to the $target" "left $left segment(s)"
                rm -f /dev/shm/shmem_rcn_"$pid"_*
            fi
        done
    done
done

# Stragglers: any process of these programs still running (none should be, once all are done).
sleep 0.5
stray=$(pgrep -f "$bin/(simple-|thread-|lock-counter|daemon-thread|process-pool|queue-ipc|shared-memory|executors|as-completed|producer-consumer|sync-primitives|pipe-ipc|process-lock|pool-api|executor-api|async-)" | wc -l)
leftovers=$((leftovers + stray))
[ "$stray" -eq 0 ] || problem "stragglers" "$stray processes still running"

echo "stress: $runs runs ($interrupted of them interrupted by a signal): $failures failed, $hangs hung, $wrong wrong output, $leftovers left behind"
[ $((failures + hangs + wrong + leftovers)) -eq 0 ]
