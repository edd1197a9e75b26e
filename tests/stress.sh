#!/usr/bin/env bash
# make stress: every documented run (the transcripts, `examples-*/*/transcripts/*.run`) many
# times, each start method in turn, each under a timeout, while two busy loops compete for the
# cores; every other round runs each program pinned to one CPU (`taskset -c 0`, which its children
# inherit), where the busy loops compete with it. Counts failures, hangs, wrong outputs and
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

# check NAME TRANSCRIPT -- PROGRAM ARGS...: runs it in a session of its own and checks everything;
# its stdout must be what the transcript file says (`transcripts match`, wildcards and all).
check() {
    local name=$1 transcript=$2
    shift 3
    runs=$((runs + 1))
    local out err rc
    out=$(mktemp) err=$(mktemp)
    timeout 30 setsid --wait "${pin[@]}" "$bin/$@" >"$out" 2>"$err"
    rc=$?
    if [ $rc -eq 124 ]; then
        hangs=$((hangs + 1)); problem "$name" "hung"
    elif [ $rc -ne 0 ]; then
        failures=$((failures + 1)); problem "$name" "exit $rc: $(head -c 200 "$err")"
    else
        "$bin/transcripts" match "$transcript" <"$out" 2>/dev/null ||
            { wrong=$((wrong + 1)); problem "$name" "printed $(head -c 300 "$out" | od -c | head -5)"; }
    fi
    # Segments it named (shared-memory -v), which must all be gone.
    local segment
    for segment in $(sed -n 's|^named shared memory: ||p' "$err"); do
        [ -e "$segment" ] && { leftovers=$((leftovers + 1)); problem "$name" "left $segment"; }
    done
    rm -f "$out" "$err"
}

# Every documented run, from the transcripts: one line each, FILE, once|each, PROGRAM, ARGS.
mapfile -t transcripts < <("$bin/transcripts" list) || exit 1
methods=(fork spawn forkserver)
pin=()
for ((round = 0; round < rounds; round++)); do
    m=${methods[$((round % 3))]}
    # Odd rounds on one CPU: a demonstration must be certain without a second core too.
    if ((round % 2)); then pin=(taskset -c 0); else pin=(); fi
    for line in "${transcripts[@]}"; do
        IFS=$'\t' read -r -a words <<<"$line"
        file=${words[0]} each=${words[1]} program=${words[2]}
        args=("${words[@]:3}")
        name="$program ${args[*]}"
        if [ "$each" = each ]; then
            # A start method for this round, before a bare `--`, which must stay last.
            if ((${#args[@]})) && [ "${args[-1]}" = -- ]; then
                unset 'args[-1]'
                args+=(--start-method "$m" --)
            else
                args+=(--start-method "$m")
            fi
            name="$name ($m)"
        fi
        # shared-memory names its segments on stderr with -v, for the leftover check.
        [ "$program" = shared-memory ] && args=(-v "${args[@]}")
        check "$name" "$file" -- "$program" "${args[@]}"
    done
done

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

# Stragglers: `setsid --wait` waits for a session's leader only, so a process a run left behind
# would still be running now; none of the programs' processes may be.
sleep 0.5
programs=$("$bin/transcripts" programs | paste -sd '|')
stray=$(pgrep -f "$bin/($programs)( |$)" | wc -l)
leftovers=$((leftovers + stray))
[ "$stray" -eq 0 ] || problem "stragglers" "$stray processes still running"

echo "stress: $runs runs ($interrupted of them interrupted by a signal): $failures failed, $hangs hung, $wrong wrong output, $leftovers left behind"
[ $((failures + hangs + wrong + leftovers)) -eq 0 ]
