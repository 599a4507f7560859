#!/usr/bin/env python3
"""Example DMRecord stage: drop DNS records whose question is under given suffixes.

Usage::

    python3 drop_suffix.py SUFFIX [SUFFIX...] < in.dmr > out.dmr

A DNS record is dropped when the name of its first question equals a SUFFIX
or ends with "." + SUFFIX, compared label by label and case-insensitively
(``example.com`` drops ``example.com.`` and ``WWW.Example.com.`` but not
``notexample.com.``).  DNS records without a readable question are kept.
Every other record -- PACKET, STATS and types this stage does not know -- is
forwarded byte-for-byte.  Each header read is written again with this
stage's PROVENANCE entry appended, and a final STATS record (stage
``drop_suffix.py``; counters ``records_in``: records read, ``dns_dropped``:
DNS records dropped, ``records_out``: records forwarded, not counting that
STATS record itself) ends the output.

Exit status: 0 on success or after SIGINT/SIGTERM, 1 for an invalid input
stream, 2 for a usage error or when stdout is a terminal, 141 when the
consumer goes away (EPIPE).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Dict, List, Optional, Sequence, Set, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dmrecord  # noqa: E402
from dmrecord import DNS, STATS, STATS_FINAL, TAG_PROVENANCE, FormatError, Header  # noqa: E402

PROG = "drop_suffix.py"
VERSION = "1"
USAGE = f"usage: {PROG} SUFFIX [SUFFIX...] < in.dmr > out.dmr"


# --------------------------------------------------------------------------
# Suffix matching
# --------------------------------------------------------------------------

def parse_suffix(text: str) -> Tuple[bytes, ...]:
    """Turn ``"Example.COM."`` into ``(b"example", b"com")``.

    Raises ValueError for an empty suffix or one with an empty label.
    Non-ASCII suffixes are converted with IDNA (``bücher.de`` ->
    ``xn--bcher-kva.de``), as they appear in DNS messages.
    """
    name = text[:-1] if text.endswith(".") else text
    if not name:
        raise ValueError(f"empty suffix {text!r}")
    try:
        raw = name.encode("ascii")
    except UnicodeEncodeError:
        try:
            raw = name.encode("idna")
        except UnicodeError:
            raise ValueError(f"suffix {text!r} is not a valid domain name") from None
    labels = tuple(label.lower() for label in raw.split(b"."))
    if any(not label for label in labels):
        raise ValueError(f"suffix {text!r} has an empty label")
    return labels


class SuffixSet:
    """A set of domain suffixes, matched label by label."""

    def __init__(self, suffixes: Sequence[Tuple[bytes, ...]]):
        self._by_length: Dict[int, Set[Tuple[bytes, ...]]] = {}
        for labels in suffixes:
            self._by_length.setdefault(len(labels), set()).add(labels)

    def matches(self, labels: List[bytes]) -> bool:
        """True if the lowercased ``labels`` equal or end with a suffix."""
        count = len(labels)
        for length, group in self._by_length.items():
            if length <= count and tuple(labels[count - length:]) in group:
                return True
        return False


# --------------------------------------------------------------------------
# The stage
# --------------------------------------------------------------------------

class DropSuffixStage:
    """Filter items from a Reader into a Writer."""

    def __init__(self, suffixes: SuffixSet, writer: dmrecord.Writer, provenance: bytes):
        self.suffixes = suffixes
        self.writer = writer
        self.provenance = provenance
        self.seen_header = False
        self.records_in = 0
        self.dns_dropped = 0
        self.records_out = 0

    def handle(self, item) -> None:
        """Process one Header or Record."""
        if isinstance(item, Header):
            self.seen_header = True
            self.writer.write_header(list(item.entries) + [(TAG_PROVENANCE, 0, self.provenance)])
            return
        self.records_in += 1
        if item.type == DNS and self.should_drop(item.body):
            self.dns_dropped += 1
            return
        self.writer.write_raw(item.raw)
        self.records_out += 1

    def should_drop(self, body: bytes) -> bool:
        """True if the DNS record body's first question is under a suffix."""
        try:
            labels = dmrecord.first_qname_labels(dmrecord.dns_message(body))
        except FormatError:
            return False
        return labels is not None and self.suffixes.matches(labels)

    def finish(self, start_ns: int, pid: int) -> None:
        """Write the final STATS record (if a header was written) and flush."""
        if self.seen_header:
            stats = dmrecord.StatsRecord(
                time_ns=time.time_ns(), pid=pid, lane=0, kind=STATS_FINAL, stage=PROG,
                counters=[("records_in", self.records_in),
                          ("dns_dropped", self.dns_dropped),
                          ("records_out", self.records_out)])
            self.writer.write_record(STATS, 0, stats.to_body())
        self.writer.flush()

    def summary(self) -> str:
        return (f"{PROG}: {self.records_in} records in, {self.dns_dropped} DNS records "
                f"dropped, {self.records_out} records out")


# --------------------------------------------------------------------------
# Stopping on SIGINT / SIGTERM
# --------------------------------------------------------------------------

class _Stop(Exception):
    """Raised to stop reading after SIGINT or SIGTERM."""


class _Stopper:
    """Signal handler: stop at the next read, or at once if blocked in one."""

    def __init__(self):
        self.requested = False
        self.blocking = False

    def install(self) -> None:
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        self.requested = True
        if self.blocking:
            raise _Stop()


class _StoppableInput:
    """Wrap a binary input so a pending stop request ends the next read."""

    def __init__(self, fileobj, stopper: _Stopper):
        self._read = getattr(fileobj, "read1", None) or fileobj.read
        self._stopper = stopper

    def read1(self, size: int) -> bytes:
        self._stopper.blocking = True
        try:
            if self._stopper.requested:
                raise _Stop()
            return self._read(size)
        finally:
            self._stopper.blocking = False


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def _fail(message: str, status: int) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return status


def _quiet_broken_pipe() -> int:
    """Point stdout at /dev/null so exit-time flushing cannot fail; return 141."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv if argv is None else argv
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 0 if len(argv) >= 2 else 2
    try:
        suffixes = SuffixSet([parse_suffix(s) for s in argv[1:]])
    except ValueError as e:
        return _fail(str(e), 2)
    out = sys.stdout.buffer
    if out.isatty():
        return _fail("refusing to write a binary record stream to a terminal; "
                     "redirect stdout to a file or pipe it into the next stage", 2)

    start_ns, pid = time.time_ns(), os.getpid()
    stopper = _Stopper()
    stopper.install()
    writer = dmrecord.Writer(out)
    stage = DropSuffixStage(suffixes, writer,
                            dmrecord.provenance_entry(PROG, VERSION, argv, start_ns, pid))
    reader = dmrecord.Reader(_StoppableInput(sys.stdin.buffer, stopper),
                             before_read=writer.flush)
    try:
        try:
            for item in reader:
                stage.handle(item)
        except _Stop:
            pass
        except FormatError as e:
            writer.flush()          # what was read before the error is valid output
            return _fail(str(e), 1)
        stage.finish(start_ns, pid)
    except BrokenPipeError:
        return _quiet_broken_pipe()
    print(stage.summary(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
