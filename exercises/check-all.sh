#!/usr/bin/env bash
# make exercises: every exercise's solution passes its tests, and every starter, as committed,
# fails them (it does not compile, or a test fails), so no test is vacuous. A test that hangs
# counts as a failure of this script: each run has a time limit.
#
# The starters are checked as committed (`git show HEAD:`), not as a learner may have edited them.
set -uo pipefail
cd "$(dirname "$0")"
cargo=${CARGO:-cargo}
root=$(cd .. && pwd)
# The logs go to the workspace's target/, which a fresh clone does not have yet; a log that
# cannot be written would fail the run it records, and make a starter look as if it failed.
mkdir -p "$root/target"
problems=0
count=0
# Every exercise is a folder with a solution; the list is the file system's.
for dir in */solution; do
  name=${dir%/solution}
  count=$((count + 1))
  if CARGO_TARGET_DIR="$root/target/exercises-solution" RUSTFLAGS="--cfg solution" \
     timeout 600 "$cargo" test --quiet -p "$name" >"$root/target/exercises-$name-solution.log" 2>&1; then
    echo "ok   $name: the solution passes"
  else
    echo "FAIL $name: the solution does not pass (target/exercises-$name-solution.log)"; problems=$((problems + 1))
  fi
  # The committed starter, whatever the working tree holds.
  committed=$(git -C "$root" show "HEAD:exercises/$name/src/exercise.rs" 2>/dev/null) || committed=$(cat "$name/src/exercise.rs")
  if [ "$committed" != "$(cat "$name/src/exercise.rs")" ]; then
    cp "$name/src/exercise.rs" "$root/target/exercises-$name-yours.rs"
    printf '%s\n' "$committed" > "$name/src/exercise.rs"
    restore="$root/target/exercises-$name-yours.rs"
  else
    restore=
  fi
  CARGO_TARGET_DIR="$root/target/exercises" timeout 600 "$cargo" test --quiet -p "$name" \
    >"$root/target/exercises-$name-starter.log" 2>&1
  status=$?
  [ -n "$restore" ] && cp "$restore" "$name/src/exercise.rs"
  if [ "$status" -eq 124 ]; then
    echo "FAIL $name: the starter's tests hung"; problems=$((problems + 1))
  elif [ "$status" -eq 0 ]; then
    echo "FAIL $name: the starter passes its tests: they check nothing it lacks"; problems=$((problems + 1))
  else
    # A "make this compile" starter must be refused by the compiler; any other must compile and
    # fail a test (a starter that does not build would teach nothing about its tests).
    refused=no; grep -q "could not compile" "$root/target/exercises-$name-starter.log" && refused=yes
    wants=no; grep -q "Kind: make this compile" "$name/README.md" && wants=yes
    if [ "$refused" = "$wants" ] && [ "$refused" = yes ]; then
      echo "ok   $name: the starter does not compile"
    elif [ "$refused" = "$wants" ]; then
      echo "ok   $name: the starter compiles and fails its tests"
    else
      echo "FAIL $name: the starter's compiling is $refused, its kind says $wants (target/exercises-$name-starter.log)"
      problems=$((problems + 1))
    fi
  fi
done
[ "$count" -ge 15 ] || { echo "only $count exercises"; problems=$((problems + 1)); }
echo "exercises: $((count * 2 - problems)) passed, $problems failed"
[ "$problems" -eq 0 ]
