"""Progress of long batch work (registry imports, scale data loads), for whoever runs it.

Services take a `Progress` and report to it; they never print. Commands pass a `ProgressLine` that
redraws one line on stderr (rows done, rows per second, and the time left when the total is
known), or `SILENT` when nobody is watching."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol


class Progress(Protocol):
    def stage(self, label: str, *, total: int | None = None, unit: str = "rows") -> None:
        """A new stage starts: `total` is what `advance(measure=...)` counts towards (rows, bytes
        of a file read row by row, or any other `unit`), or None when unknown."""

    def advance(self, done: int, *, measure: int | None = None) -> None:
        """`done` rows so far in this stage; `measure` how far towards `total` (defaults to
        `done`)."""

    def finish(self) -> None:
        """The stage is over."""


class _Silent:
    def stage(self, label: str, *, total: int | None = None, unit: str = "rows") -> None:
        pass

    def advance(self, done: int, *, measure: int | None = None) -> None:
        pass

    def finish(self) -> None:
        pass


SILENT: Progress = _Silent()


def duration_text(seconds: float) -> str:
    """`42s`, `3m07s`, `1h02m`."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _size_text(value: int, unit: str) -> str:
    if unit != "bytes":
        return f"{value:,}"
    amount = float(value)
    for suffix in ("B", "KB", "MB", "GB"):
        if amount < 1024 or suffix == "GB":
            return f"{amount:.0f} {suffix}" if suffix == "B" else f"{amount:.1f} {suffix}"
        amount /= 1024
    raise AssertionError("unreachable")


class _Stream(Protocol):
    def write(self, text: str, /) -> Any: ...

    def flush(self) -> None: ...


class Unended:
    """A management command's `self.stderr` (which ends every write with a newline) as a plain
    stream, for `ProgressLine`."""

    def __init__(self, output: Any) -> None:
        self.output = output

    def write(self, text: str) -> None:
        self.output.write(text, ending="")

    def flush(self) -> None:
        self.output.flush()


class ProgressLine:
    """One line rewritten in place (carriage return) at most every `interval` seconds, ended with
    a newline and the stage's totals when the stage finishes:

        validating: 412,000 rows · 38.1% of 171.2 MB · 61,304 rows/s · ETA 11s
    """

    def __init__(
        self,
        stream: _Stream,
        *,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.interval = interval
        self.clock = clock
        self.label = ""
        self.total: int | None = None
        self.unit = "rows"
        self.started = 0.0
        self.drawn = 0.0
        self.done = 0
        self.measure = 0
        self.width = 0

    def stage(self, label: str, *, total: int | None = None, unit: str = "rows") -> None:
        self.label, self.total, self.unit = label, total, unit
        self.started = self.drawn = self.clock()
        self.done = self.measure = 0
        self._draw()

    def advance(self, done: int, *, measure: int | None = None) -> None:
        self.done = done
        self.measure = done if measure is None else measure
        now = self.clock()
        if now - self.drawn >= self.interval:
            self.drawn = now
            self._draw()

    def finish(self) -> None:
        elapsed = self.clock() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        noun = "rows" if self.unit == "bytes" else self.unit
        text = f"{self.label}: {self.done:,} {noun} in {duration_text(elapsed)}"
        self._write(f"{text} ({rate:,.0f} rows/s)" if noun == "rows" else text)
        self.stream.write("\n")
        self.stream.flush()
        self.width = 0

    def text(self) -> str:
        elapsed = self.clock() - self.started
        noun = "rows" if self.unit == "bytes" else self.unit
        parts = [f"{self.label}: {self.done:,} {noun}"]
        if self.total:
            share = min(self.measure / self.total, 1.0)
            if self.unit == "bytes":
                parts.append(f"{share:.1%} of {_size_text(self.total, self.unit)}")
            else:
                parts[0] = f"{self.label}: {self.done:,}/{self.total:,} {noun}"
                parts.append(f"{share:.1%}")
        if elapsed > 0 and self.done and noun == "rows":
            parts.append(f"{self.done / elapsed:,.0f} rows/s")
        if self.total and self.measure and elapsed > 0:
            left = elapsed * (self.total - self.measure) / self.measure
            parts.append(f"ETA {duration_text(left)}")
        return " · ".join(parts)

    def _draw(self) -> None:
        self._write(self.text())
        self.stream.flush()

    def _write(self, text: str) -> None:
        # Pad over the previous, possibly longer, text.
        self.stream.write("\r" + text.ljust(self.width))
        self.width = len(text)
