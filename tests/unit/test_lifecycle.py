"""The lifecycle table (issue 4 §2: PLANNED → IN_FILE → SENT → ACCEPTED | REJECTED,
ACCEPTED → SETTLED | RETURNED; rejected, returned and settled are final)."""

from __future__ import annotations

import itertools

import pytest

from allocations import IllegalTransitionError, InstructionState
from allocations.payments import (
    FINAL_STATES,
    INITIAL_STATE,
    TRANSITIONS,
    check_transition,
    lifecycle_tree,
)

S = InstructionState


def test_the_table_is_the_specified_one() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == {
        (S.PLANNED, S.IN_FILE),
        (S.IN_FILE, S.SENT),
        (S.SENT, S.ACCEPTED),
        (S.SENT, S.REJECTED),
        (S.ACCEPTED, S.SETTLED),
        (S.ACCEPTED, S.RETURNED),
    }
    assert {S.REJECTED, S.SETTLED, S.RETURNED} == FINAL_STATES
    assert INITIAL_STATE is S.PLANNED
    assert [s for s in S if not s.is_live] == [S.REJECTED, S.RETURNED]


def test_every_state_is_reachable_once_from_planned() -> None:
    # The table is a tree: each state has one way in, so "already reached" is well defined.
    parents = [b for targets in TRANSITIONS.values() for b in targets]
    assert sorted(parents, key=list(S).index) == [s for s in S if s is not S.PLANNED]


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_check_transition_allows_exactly_the_table(
    current: InstructionState, target: InstructionState
) -> None:
    reached = {current}
    if target == current:
        assert check_transition("E2E", reached, current, target) is True
    elif target in TRANSITIONS[current]:
        assert check_transition("E2E", reached, current, target) is False
    else:
        with pytest.raises(IllegalTransitionError, match=f"from {current.value} to {target.value}"):
            check_transition("E2E", reached, current, target)


def test_a_state_already_passed_is_already_applied() -> None:
    reached = {S.PLANNED, S.IN_FILE, S.SENT, S.ACCEPTED, S.SETTLED}
    assert check_transition("E2E", reached, S.SETTLED, S.SENT) is True


def test_the_target_must_be_a_state() -> None:
    with pytest.raises(TypeError, match="InstructionState"):
        check_transition("E2E", {S.PLANNED}, S.PLANNED, "in_file")  # type: ignore[arg-type]


def test_the_diagram_is_generated_from_the_table() -> None:
    lines = lifecycle_tree()
    assert lines[0] == "planned"
    names = [line.lstrip("│├└─ ").removesuffix(" (final)") for line in lines]
    assert sorted(names) == sorted(state.value for state in S)
    assert sum(line.endswith("(final)") for line in lines) == len(FINAL_STATES)
