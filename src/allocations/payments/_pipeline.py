"""Plan in child processes, record in this one: overlap the CPU work of a run with its journal.

Theory of operation. Recording a national run is two kinds of work: *planning* (building
and validating a million :class:`~allocations.PaymentInstruction` values, deriving their
identifiers and content digests: pure CPU) and *journaling* them (the ledger's writes,
which only one process at a time may do in SQLite). One Python process does them one after
the other. :func:`pipelined` plans batches in child processes and hands them, in order, to
the caller, which journals batch *n* while the children plan the next ones: the run then
takes about as long as its total CPU time divided by the free cores, rather than the sum.

- **Order and content are unchanged.** The result of task *n* is yielded *n*-th, equal to
  what ``work`` returned. A :class:`~allocations.payments.PlannedBatch` travels as the plain
  values a ledger stores (end-to-end ids and content digests included), so the journaling
  process neither validates, hashes nor even rebuilds the instructions it records.
- **Bounded memory.** At most two tasks per child are planned or in transit ahead of the
  batch being journaled; a child waits until its result is taken.
- **Errors are not lost.** An exception in ``work`` is raised in the caller when the stream
  reaches that task, with the child's traceback as a note; a child that dies raises
  ``EOFError``. When the caller stops early (an exception while journaling, ``close()``),
  the children are stopped.
- **Only plain data crosses.** ``work`` and the tasks are pickled (``work`` too with the
  ``spawn`` and ``forkserver`` start methods): module-level functions and picklable
  values. ``work`` must not use the caller's open ledger.

Garbage collection: a batch is tens of thousands of new objects without cycles. The
children collect between tasks rather than every 700 allocations, and the caller pauses
the collector while it unpickles a batch — together about a fifth of the planning time.
The journaling process itself is the caller's: :func:`bulk_gc` is the policy to wrap a
run's loop in (about 2.5 s less per million instructions recorded).

The planning stays pure: this module is the only one of ``payments`` that starts processes,
and it does no I/O besides the pipes to its children.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import collections
import contextlib
import gc
import io
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from allocations.errors import InvalidInputError

__all__ = ["bulk_gc", "pipelined"]

T = TypeVar("T")

_RESULT = b"R"
_ERROR = b"E"
#: Tasks sent ahead to each child: one being planned, one waiting.
_AHEAD = 2
_MAX_PROCESSES = 64
#: Allocations between two young-generation collections under :func:`bulk_gc` (700 by
#: default in CPython).
BULK_GC_THRESHOLD = 50_000


def _dumps(value: Any) -> bytes:
    # "fast" mode: no memo, about twice as fast for a batch of flat values. A batch holds no
    # reference cycle (pickle would then recurse until RecursionError, not loop silently).
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue()


def _loads(data: bytes) -> Any:
    # Paused for this one call; the collector runs at the next allocation after, as usual.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)  # bytes from our own child process
    finally:
        if enabled:
            gc.enable()


def _error_message(error: BaseException) -> bytes:
    text = "".join(traceback.format_exception(error))
    try:
        return _ERROR + pickle.dumps((error, text))
    except Exception:  # an exception that does not pickle: keep its text
        return _ERROR + pickle.dumps((RuntimeError(f"{type(error).__name__}: {error}"), text))


def _serve(connection: Connection, work: Callable[..., Any]) -> None:
    # A child: what it inherited (a forked parent's heap) is never garbage, so it is frozen
    # out of the collector's walks; young objects are collected between tasks.
    gc.freeze()
    gc.disable()
    while True:
        try:
            message = connection.recv_bytes()
        except EOFError:  # the caller has gone
            return
        try:
            result = work(*pickle.loads(message))  # from our parent
        except BaseException as error:  # reported to the caller, whatever it is
            with contextlib.suppress(OSError):
                connection.send_bytes(_error_message(error))
            return
        connection.send_bytes(_RESULT + _dumps(result))
        del result
        gc.collect(1)


def pipelined(
    work: Callable[..., T],
    tasks: Iterable[tuple[Any, ...]],
    *,
    processes: int = 1,
    context: multiprocessing.context.BaseContext | None = None,
) -> Iterator[T]:
    """Compute ``work(*task)`` for each task in child processes; yield the results in order.

    Typical use: plan in the children, journal here —
    ``for batch in pipelined(plan_batch, ranges): ledger.record(batch)``, where
    ``plan_batch`` returns a :class:`~allocations.payments.PlannedBatch`.

    Args:
        work: a module-level function returning a picklable value: a
            :class:`~allocations.payments.PlannedBatch` (the cheapest to hand over), a
            list (a generator does not pickle: return a list).
        tasks: the argument tuples, one per batch, picklable.
        processes: how many children plan at the same time, 1 to 64. With two cores, 2
            keeps both busy when planning costs more CPU than journaling (a re-run).
        context: the :mod:`multiprocessing` context that starts the children; the
            platform's default when ``None``.

    Returns:
        An iterator of the results, in task order. Closing it early stops the children.

    Raises:
        InvalidInputError: ``processes`` is out of range.
        Exception: what ``work`` raised, when the stream reaches that task (the child's
            traceback is attached as a note).
        EOFError: a child died without a word (killed).

    >>> from allocations.payments._pipeline import pipelined
    >>> list(pipelined(divmod, [(7, 2), (9, 4)]))
    [(3, 1), (2, 1)]

    .. versionadded:: 0.1.0
    """
    if type(processes) is not int or not 1 <= processes <= _MAX_PROCESSES:
        raise InvalidInputError(
            f"processes must be an int within 1..{_MAX_PROCESSES}, got {processes!r}"
        )
    return _pipeline(work, iter(tasks), processes, context or multiprocessing.get_context())


def _pipeline(
    work: Callable[..., T],
    tasks: Iterator[tuple[Any, ...]],
    processes: int,
    context: multiprocessing.context.BaseContext,
) -> Iterator[T]:
    connections: list[Connection] = []
    children: list[multiprocessing.process.BaseProcess] = []
    try:
        for number in range(processes):
            ours, theirs = context.Pipe()
            child = context.Process(  # type: ignore[attr-defined]
                target=_serve,
                args=(theirs, work),
                name=f"allocations-planner-{number + 1}",
                daemon=True,
            )
            child.start()
            theirs.close()
            connections.append(ours)
            children.append(child)
        # Task n goes to child n mod processes; each child answers in the order it was
        # asked, so reading the children round-robin yields the results in task order.
        pending: collections.deque[Connection] = collections.deque()

        def send_next(connection: Connection) -> None:
            task = next(tasks, None)
            if task is not None:
                connection.send_bytes(pickle.dumps(tuple(task)))
                pending.append(connection)

        for _ in range(_AHEAD):
            for connection in connections:
                send_next(connection)
        while pending:
            connection = pending.popleft()
            message = connection.recv_bytes()
            if message[:1] == _ERROR:
                error, text = pickle.loads(message[1:])  # our own child
                error.add_note(f"raised in a planning process:\n{text}")
                raise error
            send_next(connection)
            yield _loads(message[1:])
    finally:
        for connection in connections:
            connection.close()
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


@contextlib.contextmanager
def bulk_gc(threshold: int = BULK_GC_THRESHOLD) -> Iterator[None]:
    """Collect garbage less often while a run plans or journals its batches.

    CPython walks its young objects every 700 allocations, and every object that survived
    a few walks again and again: while a run holds a batch of 50,000 instructions (150,000
    objects) and builds 50,000 rows, that is a few seconds per million instructions of
    walking objects that are freed by reference counting anyway. Inside the block, what
    exists on entry is frozen out of the walks (:func:`gc.freeze`), the young generation is
    collected every ``threshold`` allocations and the older ones every 20 and 100 of those
    (CPython: 700, 10, 10). On exit the thresholds are restored and every frozen object is
    unfrozen (also what the caller had frozen before). Cycles are still collected, only
    less often.

    Args:
        threshold: allocations between two young-generation collections.

    Raises:
        InvalidInputError: ``threshold`` is not a positive int.

    >>> import gc
    >>> from allocations.payments._pipeline import bulk_gc
    >>> before = gc.get_threshold()
    >>> with bulk_gc(10_000):
    ...     gc.get_threshold()[0]
    10000
    >>> gc.get_threshold() == before
    True

    .. versionadded:: 0.1.0
    """
    if type(threshold) is not int or threshold < 1:
        raise InvalidInputError(f"threshold must be a positive int, got {threshold!r}")
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(threshold, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
