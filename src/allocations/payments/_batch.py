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

from allocations.payments._instruction import (
    PLAIN_FIELDS,
    PaymentInstruction,
    plain_values,
    unpickle_plain,
)
from allocations.payments._ledger import as_instruction_list, dedupe_batch

__all__ = ["PlannedBatch", "batch_of_checked_rows"]

_FIELD_COUNT = len(PLAIN_FIELDS)


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
    def from_plain_rows(cls, rows: Iterable[tuple[Any, ...]]) -> PlannedBatch:
        """The batch of instructions planned as plain values (:meth:`Planner.add_plain
        <allocations.Planner.add_plain>`), with no instruction made.

        The rows are trusted as this library derived them (their identifiers and digests
        are not derived again); only their shape is checked. Repeated keys are checked as
        :class:`PlannedBatch` checks them: when an end-to-end id or a REGULAR slot
        (beneficiary, benefit, month) appears twice, the rows are made into instructions and
        checked one by one, with the same errors (an exact repeat is kept: the batch is then
        not :attr:`distinct`, and a ledger records the instruction once).

        Args:
            rows: plain values in :data:`~allocations.payments.PLAIN_FIELDS` order, in the
                order they are to be recorded.

        Raises:
            TypeError: a row is not a tuple of :data:`~allocations.payments.PLAIN_FIELDS`
                values.
            IdempotencyConflictError: one key appears twice with different content.
            DuplicatePaymentError: two REGULAR attempts of one beneficiary, benefit and
                month.

        >>> from allocations import Planner
        >>> from allocations.payments import PlannedBatch
        >>> one_child = (allocations.Child(birth_date=dt.date(2015, 1, 1)),)
        >>> guadeloupe = allocations.Household("G-7", "971", Decimal("30000"), one_child,
        ...     allocations.Holder("Jean Dupont", "FR7630006000011234567890189"))
        >>> planner = Planner(allocations.Month(2024, 5))
        >>> row = planner.add_plain(guadeloupe, allocations.allocations_familiales(
        ...     guadeloupe, planner.month))
        >>> batch = PlannedBatch.from_plain_rows([row])
        >>> batch.distinct, batch[0].department.code, batch[0].requested_execution_date
        (True, '971', datetime.date(2024, 6, 5))

        .. versionadded:: 0.1.0
        """
        checked = tuple(rows)
        regular = 0
        for row in checked:
            if (
                type(row) is not tuple
                or len(row) != _FIELD_COUNT
                or type(row[0]) is not str
                or type(row[-1]) is not bytes
            ):
                raise TypeError(
                    f"a planned row must be a tuple of the {_FIELD_COUNT} PLAIN_FIELDS values, "
                    f"got {row!r}"
                )
            if row[4] == "regular":
                regular += 1
        slots = {(row[1], row[2], row[3]) for row in checked if row[4] == "regular"}
        if len({row[0] for row in checked}) == len(checked) and len(slots) == regular:
            return cls._restore(checked, True)
        return cls(map(unpickle_plain, checked))

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
