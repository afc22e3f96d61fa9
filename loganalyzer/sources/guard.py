"""Guarded byte streams: every byte read from a bundle passes a :class:`Guard`.

A guard counts bytes and raises :class:`~loganalyzer.limits.LimitExceeded` *after*
delivering everything up to the cap, so the caller keeps what was read:

* per-member cap (``max_member_bytes``) and bundle-wide cap (``max_total_bytes``,
  shared through one :class:`Budget`) — only for the layer that delivers the
  member's final bytes (``final=True``);
* compression ratio of one decompression step (``max_ratio`` once
  ``ratio_grace_bytes`` are out), measured against the compressed bytes the step
  consumed; bytes a stream inflates above the ratio inside its grace are lent by
  one pool of the bundle (:data:`POOL_GRACES` graces), so nested bombs share it.

>>> import io
>>> from loganalyzer.limits import Limits
>>> lim = Limits(max_member_bytes=4)
>>> g = guarded(io.BytesIO(b"abcdef"), "x.log", Budget(lim))
>>> g.read(4)
b'abcd'
>>> g.read(1)
Traceback (most recent call last):
...
loganalyzer.limits.LimitExceeded: x.log: member byte limit (4 bytes) reached; the rest was not read
"""
from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import BinaryIO

from ..limits import LimitExceeded, Limits

BUFFER_BYTES = 1 << 16


def human_bytes(n: int) -> str:
    """Short size text for messages.

    >>> human_bytes(16 << 20), human_bytes(512), human_bytes(3 << 30)
    ('16 MiB', '512 bytes', '3 GiB')
    """
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


#: Seconds the stages after reading (facts, rules) may run past ``max_seconds`` to conclude on what
#: was read; the report after them is bounded by size (:mod:`loganalyzer.report.bounds`), not by time.
FINISH_GRACE_SECONDS = 3.0
#: Loops over records, plugins or rule groups look at the clock once every this many steps.
CHECK_EVERY = 1024
#: How many streams' worth of ``ratio_grace_bytes`` the whole bundle lends to streams whose measured
#: ratio is above ``max_ratio``: archive bombs nested in one bundle share this one allowance (eight
#: lying zips inflate four graces in all, not eight), while honest streams never draw on it.
POOL_GRACES = 4


class Budget:
    """What the whole bundle has used so far: bytes delivered, entries looked at, and the run's time.

    One budget is carried by the whole run: the source's walker creates it, every parser context
    shares it, and the pipeline hands it to the facts and the rules, so ``max_seconds`` holds from
    the first byte read to the last rule concluded:

    >>> from loganalyzer.limits import Limits
    >>> b = Budget(Limits(max_seconds=1e-9))
    >>> import time; time.sleep(0.001)
    >>> b.out_of_time(), b.finish_out_of_time()
    (True, False)
    >>> sum(b.every() for _ in range(2 * CHECK_EVERY))   # the clock is read once per CHECK_EVERY calls
    2
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total_bytes = 0
        self.entries = 0
        self.deadline = time.monotonic() + limits.max_seconds
        # uncompressed / compressed bytes of finished stand-alone streams (zip members, .gz files),
        # so many small bombs that each stay under the per-stream grace still add up.
        self.done_produced = 0
        self.done_consumed = 0
        #: bytes still lent to streams inflating above ``max_ratio`` inside their own grace
        self.ratio_pool = POOL_GRACES * limits.ratio_grace_bytes
        #: extension telemetry events read so far (``max_extension_events``)
        self.extension_events = 0
        self._steps = 0

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def finish_out_of_time(self) -> bool:
        """Past ``max_seconds`` plus :data:`FINISH_GRACE_SECONDS`: the facts and rules stop examining."""
        return time.monotonic() > self.deadline + FINISH_GRACE_SECONDS

    def every(self, finishing: bool = False) -> bool:
        """Out of time, looking at the clock only once per :data:`CHECK_EVERY` calls (for loops over
        millions of records, plugins or groups, whose single steps cost less than reading the clock)."""
        self._steps += 1
        if self._steps % CHECK_EVERY:
            return False
        return self.finish_out_of_time() if finishing else self.out_of_time()

    def check_time(self, name: str) -> None:
        """Raise :class:`LimitExceeded` once the bundle's ``max_seconds`` are spent."""
        if self.out_of_time():
            raise LimitExceeded(f"{name}: time limit ({self.limits.max_seconds:g} s) reached; "
                                "the rest was not read")

    @property
    def bytes_left(self) -> int:
        return max(0, self.limits.max_total_bytes - self.total_bytes)

    def take_extension_event(self) -> bool:
        """Count one more extension telemetry event; False once ``max_extension_events`` are read."""
        if self.extension_events >= self.limits.max_extension_events:
            return False
        self.extension_events += 1
        return True

    def take_entry(self) -> bool:
        """Count one more archive/folder entry; False once ``max_members`` is passed."""
        self.entries += 1
        return self.entries <= self.limits.max_members


class CountingReader(io.RawIOBase):
    """Pass-through reader that counts the bytes taken from ``source`` (compressed input);
    with a ``budget``, every read first checks the time limit."""

    def __init__(self, source: BinaryIO, budget: Budget | None = None) -> None:
        super().__init__()
        self._source = source
        self._budget = budget
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._budget is not None:
            self._budget.check_time("archive")
        data = self._source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n

    def close(self) -> None:
        if not self.closed:
            self._source.close()
        super().close()


class Guard(io.RawIOBase):
    """Raw stream over ``source`` that enforces :class:`Limits` (see module docstring).

    ``compressed`` returns how many compressed bytes produced this stream so far
    (``None``: not a decompression step); ``offset`` is how many uncompressed bytes
    of the same compressed stream came before this member (a tar member's offset).
    """

    def __init__(self, source: BinaryIO, name: str, budget: Budget, *, final: bool = True,
                 compressed: Callable[[], int] | None = None, offset: int = 0) -> None:
        super().__init__()
        self._source = source
        self.name = name
        self.budget = budget
        self.final = final
        # read1: one underlying read per call, so a damaged stream cannot swallow the good
        # bytes decoded in the same call before it fails.
        self._read = getattr(source, "read1", source.read)
        self._compressed = compressed
        self._offset = offset
        self.count = 0
        self.ratio_tripped = False
        self._deferred: Exception | None = None
        self._deferred_eof = False

    def readable(self) -> bool:
        return True

    def not_final(self) -> None:
        """This layer only feeds a decompressor: give its bytes back to the bundle budget."""
        if self.final:
            self.final = False
            self.budget.total_bytes -= self.count

    def _allowance(self) -> int:
        if not self.final:
            return 1 << 62
        limits = self.budget.limits
        return min(limits.max_member_bytes - self.count, self.budget.bytes_left)

    def _limit_message(self) -> str:
        limits = self.budget.limits
        if self.count >= limits.max_member_bytes:
            return f"{self.name}: member byte limit ({human_bytes(limits.max_member_bytes)}) reached; " \
                   "the rest was not read"
        return f"{self.name}: bundle byte limit ({human_bytes(limits.max_total_bytes)}) reached; " \
               "the rest was not read"

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        self.budget.check_time(self.name)     # every layer: also one that only feeds a decompressor
        allowance = self._allowance()
        if allowance <= 0:
            if self._source.read(1):
                raise LimitExceeded(self._limit_message())
            return 0
        if self._deferred is not None:
            # First an end of stream, then the error: a buffered reader asked for more than the
            # damaged source held would raise with the good bytes still in its buffer and drop
            # them (all of a small member); at the end it hands them out, and the next read fails.
            if not self._deferred_eof:
                self._deferred_eof = True
                return 0
            error, self._deferred = self._deferred, None
            raise error
        want = min(len(buffer), allowance)
        filled = 0
        while filled < want:
            try:
                data = self._read(want - filled)
            except Exception as error:  # a damaged stream: hand out what came before it first
                if not filled:
                    raise
                self._deferred = error
                break
            if not data:
                break
            buffer[filled:filled + len(data)] = data
            filled += len(data)
        self.count += filled
        if self.final:
            self.budget.total_bytes += filled
        self._check_ratio(filled)
        return filled

    def _check_ratio(self, filled: int) -> None:
        if self._compressed is None:
            return
        limits = self.budget.limits
        produced = self._offset + self.count
        bundle_produced = self.budget.done_produced + produced
        consumed = max(1, self._compressed())
        above = produced / consumed > limits.max_ratio
        if produced > limits.ratio_grace_bytes and above:
            self.ratio_tripped = True
            raise LimitExceeded(
                f"{self.name}: compression ratio above {limits.max_ratio:g}:1 after "
                f"{human_bytes(limits.ratio_grace_bytes)} (possible archive bomb); the rest was not read")
        if above:
            # Inside its own grace, but inflating like a bomb: the bytes are lent by the bundle's
            # one pool, so nested bombs cannot each take a whole grace.
            self.budget.ratio_pool -= filled
            if self.budget.ratio_pool < 0:
                self.ratio_tripped = True
                raise LimitExceeded(
                    f"{self.name}: compression ratio above {limits.max_ratio:g}:1, and the "
                    f"{human_bytes(POOL_GRACES * limits.ratio_grace_bytes)} the bundle allows such streams "
                    "in all are spent (possible nested archive bombs); the rest was not read")
        if bundle_produced > POOL_GRACES * limits.ratio_grace_bytes and \
                bundle_produced / max(1, self.budget.done_consumed + consumed) > limits.max_ratio:
            self.ratio_tripped = True
            raise LimitExceeded(
                f"{self.name}: the bundle's compressed files expand more than {limits.max_ratio:g}:1 "
                "taken together (many small archive bombs); the rest was not read")

    def close(self) -> None:
        if not self.closed:
            # Only the delivering layer counts (a sniffing pass re-reads the same bytes), and a
            # stream stopped by the ratio check read little of its declared compressed size;
            # counting that size whole would pull the bundle's ratio back under the limit.
            if self.final and self._compressed is not None and self._offset == 0 and not self.ratio_tripped:
                self.budget.done_produced += self.count
                self.budget.done_consumed += self._compressed()
            self._source.close()
        super().close()


def guarded(source: BinaryIO, name: str, budget: Budget, *, final: bool = True,
            compressed: Callable[[], int] | None = None, offset: int = 0) -> io.BufferedReader:
    """Wrap ``source`` in a :class:`Guard` plus a read buffer (``peek``/``readline`` work)."""
    guard = Guard(source, name, budget, final=final, compressed=compressed, offset=offset)
    return io.BufferedReader(guard, BUFFER_BYTES)


def guard_of(stream: io.BufferedReader) -> Guard:
    """The :class:`Guard` under a stream made by :func:`guarded`."""
    raw = stream.raw
    assert isinstance(raw, Guard)
    return raw
