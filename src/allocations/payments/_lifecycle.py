"""The lifecycle of a payment instruction, as a transition table.

Theory of operation: an instruction is *planned* when the run records it, *in_file* once a
pain.001 file holding it is written, *sent* when that file is handed to the bank. The bank
then *accepts* or *rejects* it (pain.002), and an accepted payment is *settled* on the
beneficiary's account or *returned* by the beneficiary's bank (camt.054). Rejected, returned
and settled are final: paying again after a rejection or a return is a **new attempt**, a
new business key, never a reset of this one (DESIGN.md principle 4: records are never
edited). Every state is reached at most once, so "already in that state" identifies an
event delivered twice (a bank report ingested again), which is harmless.

The documentation's lifecycle diagram is generated from :data:`TRANSITIONS` by
:func:`lifecycle_tree` (``docs/_ext/lifecycle_diagram.py``).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from allocations.errors import IllegalTransitionError

__all__ = [
    "FINAL_STATES",
    "INITIAL_STATE",
    "TRANSITIONS",
    "InstructionState",
    "check_transition",
    "lifecycle_tree",
]


class InstructionState(enum.Enum):
    """Where a payment instruction is in its lifecycle (see :data:`TRANSITIONS`).

    .. versionadded:: 0.1.0
    """

    #: Recorded in the ledger by a run (write-ahead), not yet in a file.
    PLANNED = "planned"
    #: Written into a pain.001 file.
    IN_FILE = "in_file"
    #: The file was handed to the bank.
    SENT = "sent"
    #: The bank accepted the transaction (pain.002 ``ACCP``/``ACSC``...).
    ACCEPTED = "accepted"
    #: The bank refused it (pain.002 ``RJCT``); final.
    REJECTED = "rejected"
    #: Credited to the beneficiary (camt.054 booking); final.
    SETTLED = "settled"
    #: Sent back by the beneficiary's bank after acceptance (closed account...); final.
    RETURNED = "returned"

    @property
    def is_final(self) -> bool:
        """Whether no transition leaves this state."""
        return not TRANSITIONS[self]

    @property
    def is_live(self) -> bool:
        """Whether the payment may still reach, or has reached, the beneficiary.

        Everything but rejected and returned: at most one live REGULAR instruction may exist
        per beneficiary, benefit and month.
        """
        return self not in DEAD_STATES


#: The lifecycle: for each state, the states it may move to. The documentation's diagram
#: is generated from this table.
TRANSITIONS: dict[InstructionState, frozenset[InstructionState]] = {
    InstructionState.PLANNED: frozenset({InstructionState.IN_FILE}),
    InstructionState.IN_FILE: frozenset({InstructionState.SENT}),
    InstructionState.SENT: frozenset({InstructionState.ACCEPTED, InstructionState.REJECTED}),
    InstructionState.ACCEPTED: frozenset({InstructionState.SETTLED, InstructionState.RETURNED}),
    InstructionState.REJECTED: frozenset(),
    InstructionState.SETTLED: frozenset(),
    InstructionState.RETURNED: frozenset(),
}

#: The state of every newly recorded instruction.
INITIAL_STATE = InstructionState.PLANNED

#: States no transition leaves.
FINAL_STATES: frozenset[InstructionState] = frozenset(
    state for state, targets in TRANSITIONS.items() if not targets
)

#: Final states in which the money did not reach the beneficiary: a new attempt may follow.
DEAD_STATES: frozenset[InstructionState] = frozenset(
    {InstructionState.REJECTED, InstructionState.RETURNED}
)


def check_transition(
    end_to_end_id: str,
    reached: Iterable[InstructionState],
    current: InstructionState,
    target: InstructionState,
) -> bool:
    """Decide a transition: ``True`` if it was already applied, ``False`` if it is to apply.

    Args:
        end_to_end_id: the instruction's id, quoted in the error message.
        reached: every state the instruction has been in, including ``current``.
        current: its state now.
        target: the requested state.

    Returns:
        ``True`` when ``target`` was already reached (the same event delivered twice: nothing
        to do), ``False`` when the transition is allowed and must be recorded.

    Raises:
        TypeError: ``target`` is not an :class:`InstructionState`.
        IllegalTransitionError: the table does not allow ``current → target``.

    >>> from allocations.payments import InstructionState as S, check_transition
    >>> check_transition("E2E", [S.PLANNED], S.PLANNED, S.IN_FILE)
    False
    >>> check_transition("E2E", [S.PLANNED, S.IN_FILE], S.IN_FILE, S.PLANNED)
    True
    >>> check_transition("E2E", [S.PLANNED], S.PLANNED, S.SENT)
    Traceback (most recent call last):
    ...
    allocations.errors.IllegalTransitionError: instruction E2E cannot go from planned to sent (allowed from planned: in_file)

    .. versionadded:: 0.1.0
    """
    if not isinstance(target, InstructionState):
        raise TypeError(f"the target state must be an InstructionState, got {target!r}")
    if target == current or target in reached:
        return True
    allowed = TRANSITIONS[current]
    if target not in allowed:
        names = ", ".join(sorted(state.value for state in allowed)) or "none, it is final"
        raise IllegalTransitionError(
            f"instruction {end_to_end_id} cannot go from {current.value} to {target.value} "
            f"(allowed from {current.value}: {names})"
        )
    return False


def lifecycle_tree() -> list[str]:
    """The lifecycle as an indented text tree, generated from :data:`TRANSITIONS`.

    >>> from allocations.payments import lifecycle_tree
    >>> print("\\n".join(lifecycle_tree()))
    planned
    └── in_file
        └── sent
            ├── accepted
            │   ├── settled (final)
            │   └── returned (final)
            └── rejected (final)

    .. versionadded:: 0.1.0
    """
    order = list(InstructionState)
    lines: list[str] = []

    def walk(state: InstructionState, prefix: str, connector: str, child_prefix: str) -> None:
        lines.append(f"{prefix}{connector}{state.value}{' (final)' if state.is_final else ''}")
        children = sorted(TRANSITIONS[state], key=order.index)
        for index, child in enumerate(children):
            last = index == len(children) - 1
            walk(
                child,
                prefix + child_prefix,
                "└── " if last else "├── ",
                "    " if last else "│   ",
            )

    walk(INITIAL_STATE, "", "", "")
    return lines
