"""A lightweight progress line for long command-line runs.

Printed on standard error, and only when standard error is a terminal: a log file or a
pipe must not fill with carriage returns, and standard output stays the data channel.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Count items and rewrite one status line every ``every`` items.

    Args:
        label: what is counted, in the plural (``"households"``).
        every: how many items between two updates.
        stream: where to write; standard error by default.
        clock: a monotonic clock in seconds (injected by tests).
        force: write even if ``stream`` is not a terminal (tests).

    :meth:`advance` costs one addition and one comparison when no line is due, so it
    can be called once per item of a million-item run.

    >>> import io
    >>> out = io.StringIO()
    >>> ticks = iter([0.0, 2.0, 4.0])
    >>> with Progress("households", every=2, stream=out, clock=lambda: next(ticks),
    ...               force=True) as progress:
    ...     for _ in range(3):
    ...         progress.advance()
    >>> out.getvalue().split("\\r")[1:]
    ['allocations: 2 households (1/s)', 'allocations: 3 households in 4.0 s\\n']

    .. versionadded:: 0.1.0
    """

    def __init__(
        self,
        label: str,
        *,
        every: int = 100_000,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        force: bool = False,
    ) -> None:
        if every < 1:
            raise ValueError(f"every must be at least 1, got {every}")
        self.label = label
        self.count = 0
        self._every = every
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        isatty = getattr(self._stream, "isatty", None)
        self.enabled = force or bool(isatty is not None and isatty())
        self._next = every if self.enabled else sys.maxsize
        self._started = clock() if self.enabled else 0.0
        self._shown = False

    def advance(self, items: int = 1) -> None:
        """Count ``items`` more; rewrite the line when a multiple of ``every`` is passed."""
        self.count += items
        if self.count >= self._next:
            self._next = (self.count // self._every + 1) * self._every
            elapsed = self._clock() - self._started
            rate = f"{self.count / elapsed:,.0f}/s" if elapsed > 0 else "…"
            self._write(f"\rallocations: {self.count:,} {self.label} ({rate})")

    def finish(self) -> None:
        """End the line with the total, if a line was shown (called by ``__exit__``)."""
        if self._shown:
            elapsed = self._clock() - self._started
            self._write(f"\rallocations: {self.count:,} {self.label} in {elapsed:.1f} s\n")
            self._shown = False

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()
        self._shown = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finish()
