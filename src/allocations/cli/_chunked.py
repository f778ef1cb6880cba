"""Household files in chunks of lines, worked on in ``--jobs`` processes, taken back in order.

Theory of operation, shared by ``allocations entitlements`` and ``allocations pay``: the
main process reads the file's lines (or CSV rows), numbered, in chunks
(:func:`read_chunks`, :data:`CHUNK_LINES` each); a *chunk worker* — an object with a
``chunk(chunk)`` method, one per process — checks and works on each chunk, in ``--jobs``
worker processes or in the main one; the main process takes the results back **in input
order** (:func:`in_input_order`) and does what needs the whole file in file order: the
duplicate-id index (see the reader, :class:`~allocations.adapters.households._Reading`),
the first error, the output. So the output and the errors are the same whatever the number
of jobs.

- **Bounded memory.** At most :data:`CHUNKS_IN_FLIGHT` chunks per job are read ahead and
  being worked on, so memory does not grow with the file, and the file is read once (a
  pipe works).
- **Small inputs stay in one process.** With ``--jobs 1``, or fewer than two chunks, the
  worker runs in the main process: starting processes would cost more than it saves.
- **Forked workers.** Where ``fork`` exists the workers are forked from the main process
  and inherit what it already resolved (the law of the month); elsewhere ``spawn`` is used,
  and the worker's factory and arguments must then pickle (module-level names).
- **Stopping.** Ctrl-C belongs to the main process (the workers ignore ``SIGINT``). When
  the main process stops early (a bad line, ``close()``), the chunks not started are
  dropped and the workers shut down.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import itertools
import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import IO, Any, Protocol, TypeVar

from allocations.adapters.households import (
    _FieldError,
    _Item,
    _items,
    _raw_items,
    _raw_json_lines,
    _RawLines,
    _Reading,
)
from allocations.cli import whole_number_argument
from allocations.entitlement import Household

__all__ = [
    "CHUNKS_IN_FLIGHT",
    "CHUNK_LINES",
    "MAX_DEFAULT_JOBS",
    "Chunk",
    "ChunkWorker",
    "add_jobs_argument",
    "checked_households",
    "in_input_order",
    "read_chunks",
]

#: Lines handed to a worker at a time: large enough that passing them between processes
#: costs little (about 0.5 MB in), small enough to keep memory flat.
CHUNK_LINES = 2_000
#: Chunks being worked on per job, at most (bounded memory, workers never idle).
CHUNKS_IN_FLIGHT = 3
#: The default ``--jobs``: one per CPU, at most this many (the main process, which reads,
#: checks the ids and writes, becomes the bottleneck beyond).
MAX_DEFAULT_JOBS = 4
_MAX_JOBS = 64

#: The lines of a chunk: JSON Lines as read (decoded by the worker), or CSV rows already
#: parsed (a row may span lines, so the main process splits them).
Chunk = _RawLines | list[tuple[int, _Item]]

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class ChunkWorker(Protocol[T_co]):
    """The work of one process on chunks of a household file."""

    def chunk(self, chunk: Chunk) -> T_co:
        """What the main process needs of one chunk (cheap to pickle)."""
        ...


def add_jobs_argument(parser: argparse.ArgumentParser, work: str, same: str) -> None:
    """Add ``--jobs``/``-j``: ``work`` says what the workers do, ``same`` what does not
    depend on their number."""
    parser.add_argument(
        "--jobs",
        "-j",
        type=whole_number_argument(_MAX_JOBS),
        default=min(os.cpu_count() or 1, MAX_DEFAULT_JOBS),
        help=(
            f"worker processes {work} (default: the number of CPUs, at most "
            f"{MAX_DEFAULT_JOBS}; 1: all in this process); {same} whatever the number"
        ),
    )


def read_chunks(
    stream: IO[bytes], input_format: str, reading: _Reading, size: int
) -> Iterator[Chunk]:
    """The lines of ``stream`` by chunks of ``size`` (JSON Lines raw, CSV rows parsed).

    Raises:
        HouseholdFileError: the CSV header is invalid (always fatal).
    """
    if input_format == "jsonl":
        yield from _raw_json_lines(stream, size)
        return
    rows = _items(stream, input_format, reading)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def checked_households(
    chunk: Chunk, reading: _Reading, lines: list[int], ids: list[str | None]
) -> Iterator[tuple[int, Household | _FieldError]]:
    """The households of a chunk, or what is wrong with each, with their lines; blank
    lines skipped. The line and id of each (``None`` if not a valid id) are appended to
    ``lines`` and ``ids`` as it is yielded (for the main process's duplicate check)."""
    items: Iterable[tuple[int, _Item]] = (
        _raw_items(chunk) if isinstance(chunk, _RawLines) else chunk
    )
    check = reading.check
    for line, item in items:
        checked = check(item)
        if checked is None:
            continue  # a blank line
        household_id, found = checked
        lines.append(line)
        ids.append(household_id)
        yield line, found


# The worker processes' own chunk worker, made once by the pool's initializer.
_WORKER: ChunkWorker[Any] | None = None


def _start_worker(factory: Callable[..., ChunkWorker[Any]], args: tuple[Any, ...]) -> None:
    global _WORKER
    # Ctrl-C is the main process's to handle: it stops the pool, and nothing is written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER = factory(*args)


def _work(chunk: Chunk) -> Any:
    if _WORKER is None:  # pragma: no cover - the initializer always runs first
        raise RuntimeError("the worker was not started")
    return _WORKER.chunk(chunk)


def in_input_order(
    chunks: Iterator[Chunk],
    jobs: int,
    factory: Callable[..., ChunkWorker[T]],
    args: tuple[Any, ...],
) -> Generator[T, None, None]:
    """The chunks, worked on by ``jobs`` processes (or this one), in input order.

    Args:
        chunks: from :func:`read_chunks`.
        jobs: worker processes; 1 works in this one.
        factory: makes a process's worker from ``args`` (a module-level class).
        args: its arguments.

    Returns:
        A generator of each chunk's result; close it (``contextlib.closing``) to stop the
        workers when the caller stops early.
    """
    head = list(itertools.islice(chunks, 2))
    if jobs == 1 or len(head) < 2:  # one chunk: not worth starting processes
        worker = factory(*args)
        for chunk in itertools.chain(head, chunks):
            yield worker.chunk(chunk)
        return
    # Workers forked from this process inherit what it resolved (the law of the month).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    executor = concurrent.futures.ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(factory, args)
    )
    pending: collections.deque[concurrent.futures.Future[T]] = collections.deque()
    try:
        for chunk in itertools.chain(head, chunks):
            pending.append(executor.submit(_work, chunk))
            if len(pending) >= CHUNKS_IN_FLIGHT * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # On an error, the chunks not started are dropped and those started are let finish
        # (a fraction of a second): stopping a worker in the middle of sending its result
        # can leave the result pipe locked (multiprocessing.Pool.terminate may then hang).
        executor.shutdown(wait=True, cancel_futures=True)
