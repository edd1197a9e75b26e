"""The Python twins' one argument helper: they refuse what the Rust programs refuse, in the same
words, with the same exit code.

- `ArgumentParser` is argparse's, except that a usage error is one line on stderr
  (`error: argument --delay-ms: not a whole number from 0 to 86400000`) and exit code 2, as the
  Rust programs' `common::cli::parse` makes clap's.
- `whole(lo, hi)` is an argparse `type=` that takes a number as Rust's integer parsing does and
  `common::cli::whole` checks it: ASCII digits with an optional sign, from `lo` to `hi`. Python's
  own `int()` takes more (`1_000`, ` 5`, digits of other scripts such as `٣`), so those are refused
  here as in Rust. `whole()` without bounds is the twins' counterpart of `common::cli::int64`:
  the same syntax, but Python's ints are unbounded, so no range (the one difference left, and the
  Rust program's message says so).
- `milliseconds(lo=0)` is `whole(lo, 86_400_000)`: a `--…-ms` flag, at most a day.

The twins import it from here (`common/python/`), next to the Rust library the programs share.
"""
import argparse
import re
import sys

DAY_MS = 24 * 60 * 60 * 1000
_RUST_INTEGER = re.compile(r"[+-]?[0-9]+")


class ArgumentParser(argparse.ArgumentParser):
    """argparse with a usage error as one line and exit code 2."""

    def error(self, message):
        sys.stderr.write(f"error: {message}\n")
        sys.exit(2)


def whole(lo=None, hi=None):
    """A `type=` for a whole number from `lo` to `hi` (no bounds: any size, as Python's ints)."""
    words = "not a whole number" if lo is None else f"not a whole number from {lo} to {hi}"

    def parse(text):
        # Rust's unsigned parse refuses a minus sign even on zero.
        unsigned = lo is not None and lo >= 0
        if not _RUST_INTEGER.fullmatch(text) or (unsigned and text.startswith("-")):
            raise argparse.ArgumentTypeError(words)
        n = int(text)
        if lo is not None and not lo <= n <= hi:
            raise argparse.ArgumentTypeError(words)
        return n

    return parse


def milliseconds(lo=0):
    """A `type=` for a `--…-ms` flag: whole milliseconds from `lo` to a day."""
    return whole(lo, DAY_MS)
