"""A batch of planned instructions held as their plain values.

Theory of operation. A national run plans its instructions in worker processes and records
them in one (:func:`~allocations.payments.pipelined`). Handing over a batch as
:class:`~allocations.PaymentInstruction` objects costs the recording process two things it
does not need: rebuilding three objects per instruction when the batch is unpickled, and
walking those objects to find the ids, digests and column values a ledger stores. A
:class:`PlannedBatch` is built where the instructions are planned: it keeps, per
instruction, the tuple of plain values a ledger stores (:data:`PLAIN_FIELDS`: end-to-end id
and content digest included, both derived then), and checks the batch for repeated keys
there too. It pickles as those tuples and unpickles as them, with no object per
instruction; a database ledger records it from the tuples directly. It is still a
read-only sequence of instructions: indexing or iterating it rebuilds each instruction on
demand, so any :class:`~allocations.Ledger` (the in-memory one, a caller's own) accepts it
like a list.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, final, overload

from allocations.payments._instruction import PaymentInstruction, plain_values, unpickle_plain
from allocations.payments._ledger import as_instruction_list, dedupe_batch

__all__ = ["PlannedBatch", "batch_of_checked_rows"]


@final
class PlannedBatch(Sequence[PaymentInstruction]):
    """Instructions planned together, held as the plain values a ledger stores.

    Build one where the instructions are planned (a worker process of a pipelined run):
    the end-to-end ids and content digests are derived, and the batch is checked for
    repeated keys, there. The batch pickles as plain tuples, and a database ledger records
    it without rebuilding an object per instruction (see the module documentation).

    Args:
        instructions: the batch, in the order it is to be recorded.

    Raises:
        TypeError: an item is not a :class:`~allocations.PaymentInstruction`.
        IdempotencyConflictError: one key appears twice with different content.
        DuplicatePaymentError: two REGULAR attempts of one beneficiary, benefit and month.

    >>> import pickle
    >>> from allocations.payments import PlannedBatch
    >>> instruction = allocations.PaymentInstruction(
    ...     key=allocations.PaymentKey("F-1", "AF", allocations.Month(2024, 5),
    ...                                allocations.PaymentKind.REGULAR),
    ...     amount=Decimal("148.52"),
    ...     creditor=allocations.Creditor("Marie Curie", "FR7630006000011234567890189"),
    ...     requested_execution_date=dt.date(2024, 6, 5),
    ...     remittance_information="CAF ALLOCATIONS FAMILIALES 2024-05")
    >>> batch = pickle.loads(pickle.dumps(PlannedBatch([instruction])))
    >>> len(batch), batch[0] == instruction, batch.end_to_end_ids()
    (1, True, ['AF-202405-R01-TP746YC5WZLQ2WYF'])

    .. versionadded:: 0.1.0
    """

    __slots__ = ("_distinct", "_rows")

    _rows: tuple[tuple[Any, ...], ...]
    _distinct: bool

    def __init__(self, instructions: Iterable[PaymentInstruction]) -> None:
        batch = as_instruction_list(instructions)
        self._distinct = len(dedupe_batch(batch)) == len(batch)
        self._rows = tuple(map(plain_values, batch))

    @classmethod
    def _restore(cls, rows: tuple[tuple[Any, ...], ...], distinct: bool) -> PlannedBatch:
        # Unpickling: the rows were derived and checked by __init__ in the process that
        # pickled them (our own worker), so they are taken as they are.
        batch = cls.__new__(cls)
        batch._rows = rows
        batch._distinct = distinct
        return batch

    def __reduce__(self) -> tuple[Any, ...]:
        return (PlannedBatch._restore, (self._rows, self._distinct))

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> PaymentInstruction: ...

    @overload
    def __getitem__(self, index: slice) -> list[PaymentInstruction]: ...

    def __getitem__(self, index: int | slice) -> PaymentInstruction | list[PaymentInstruction]:
        if isinstance(index, slice):
            return [unpickle_plain(row) for row in self._rows[index]]
        return unpickle_plain(self._rows[index])

    def __iter__(self) -> Iterator[PaymentInstruction]:
        return map(unpickle_plain, self._rows)

    def __repr__(self) -> str:
        first = f", first {self._rows[0][0]}" if self._rows else ""
        return f"PlannedBatch({len(self._rows)} instructions{first})"

    @property
    def distinct(self) -> bool:
        """Whether every instruction of the batch has its own key (no repeat at all)."""
        return self._distinct

    @property
    def rows(self) -> Sequence[tuple[Any, ...]]:
        """The plain values of each instruction, in :data:`PLAIN_FIELDS` order."""
        return self._rows

    def plain_rows(self) -> Iterator[tuple[Any, ...]]:
        """The plain values of each instruction, in order (see :attr:`rows`)."""
        return iter(self._rows)

    def end_to_end_ids(self) -> list[str]:
        """The end-to-end ids, in the batch's order."""
        return [row[0] for row in self._rows]


def batch_of_checked_rows(rows: tuple[tuple[Any, ...], ...], *, distinct: bool) -> PlannedBatch:
    """A batch of plain values this library derived and checked itself (a run's spool).

    Nothing is checked again: ``rows`` must be :func:`plain_values` of instructions, and
    ``distinct`` true only when no key repeats.
    """
    return PlannedBatch._restore(rows, distinct)
