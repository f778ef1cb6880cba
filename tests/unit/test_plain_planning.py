"""Planning as plain values: ``Planner.add_plain`` and ``PlannedBatch.from_plain_rows``.

The reference is the instruction made with the public constructors (``PaymentKey``,
``Creditor``, ``PaymentInstruction``) from the household's fields: a plain row must be its
``plain_values`` exactly (identifiers and digest included), and a household those
constructors refuse must be refused by the planner, naming the field.
"""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import attrs
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from allocations import (
    AllocationsError,
    Child,
    DuplicatePaymentError,
    Holder,
    Household,
    HouseholdFileError,
    IdempotencyConflictError,
    Month,
    Planner,
    allocations_familiales,
    payment_date,
)
from allocations.iso20022 import to_sepa_text
from allocations.payments import (
    PLAIN_FIELDS,
    Creditor,
    PaymentInstruction,
    PaymentKey,
    PaymentKind,
    PlannedBatch,
    plain_values,
)
from tests._builders import french_iban

MAY = Month(2024, 5)
TWO_CHILDREN = (Child(birth_date=dt.date(2012, 3, 1)), Child(birth_date=dt.date(2016, 9, 15)))
ONE_CHILD = TWO_CHILDREN[:1]  # nothing is due in metropolitan France: a zero entitlement


def reference(household: Household, planner: Planner) -> PaymentInstruction | None:
    """The instruction made with the public constructors, as the planner must make it."""
    entitlement = allocations_familiales(household, planner.month)
    if entitlement.net == 0:
        return None
    holder = household.holder
    assert holder is not None
    creditor = Creditor(holder.name, holder.iban, holder.bic)
    to_sepa_text(creditor.name, max_length=70, field="holder.name")
    return PaymentInstruction(
        PaymentKey(household.id, planner.benefit, planner.month, PaymentKind.REGULAR),
        entitlement.net,
        creditor,
        payment_date(planner.month, household.department),
        planner.remittance_prefix + household.id,
        household.department,
    )


names = st.one_of(
    st.sampled_from(["Marie Curie", "  José   Álvarez ", "王小明", "Ærø Ødegård", "A" * 141]),
    st.from_regex(r"[A-Za-zÀ-ÿ' -]{1,80}", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=150),
)
ibans = st.one_of(
    st.integers(0, 10**11 - 1).map(french_iban),
    st.integers(0, 10**11 - 1).map(lambda n: french_iban(n)[:-1] + "0"),  # wrong key, mostly
    st.sampled_from(["", "FR76", "fr76 3000 6000 0112 3456 7890 189", "DE89370400440532013000"]),
)
bics = st.sampled_from([None, "BDFEFRPPCCT", "BDFEFRPP", "NOT A BIC", "bdfefrppcct"])
ids = st.one_of(
    st.from_regex(r"F-[0-9]{1,12}", fullmatch=True),
    st.from_regex(r"[0-9A-Za-z]{1,100}", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=110),
)


@st.composite
def households(draw: st.DrawFn) -> Household:
    try:
        return Household(
            id=draw(ids),
            department=draw(st.sampled_from(["67", "75", "971", "976", "2A"])),
            resources=Decimal("55000"),
            children=draw(st.sampled_from([TWO_CHILDREN, ONE_CHILD])),
            holder=Holder(draw(names), draw(ibans), draw(bics)),
        )
    except (AllocationsError, TypeError):
        assume(False)
        raise


@given(households())
def test_a_plain_row_is_the_plain_values_of_the_instruction(household: Household) -> None:
    planner = Planner(MAY)
    try:
        expected = reference(household, planner)
    except (AllocationsError, TypeError):
        with pytest.raises(HouseholdFileError) as refused:
            planner.add_plain(household, allocations_familiales(household, MAY), line=7)
        assert refused.value.line == 7
        assert refused.value.field in ("id", "holder.name", "holder.iban", "holder.bic")
        event(f"refused: {refused.value.field}")
        return
    row = planner.add_plain(household, allocations_familiales(household, MAY), line=7)
    if expected is None:
        assert row is None
        assert planner.explanations
        event("nothing due")
        return
    event("planned")
    assert row == plain_values(expected)
    assert dict(zip(PLAIN_FIELDS, row, strict=True))["end_to_end_id"] == expected.end_to_end_id
    assert row[-1] == expected.content_digest()
    made = Planner(MAY).add(household, allocations_familiales(household, MAY))
    assert made == expected
    assert made is not None
    assert made.content_digest() == expected.content_digest()


def test_add_and_add_plain_keep_the_same_totals() -> None:
    by_objects, by_rows = Planner(MAY), Planner(MAY)
    everyone = [
        Household(
            id=f"F-{n}",
            department=("67", "971")[n % 2],
            resources=Decimal("55000"),
            children=(TWO_CHILDREN, ONE_CHILD)[n % 3 == 0],
            holder=Holder(f"Allocataire {n}", french_iban(n)),
        )
        for n in range(9)
    ]
    made = [by_objects.add(h, allocations_familiales(h, MAY)) for h in everyone]
    rows = [by_rows.add_plain(h, allocations_familiales(h, MAY)) for h in everyone]
    assert [None if i is None else plain_values(i) for i in made] == rows
    assert by_objects.plan([]) == by_rows.plan([])


def _rows(*numbers: int) -> list[tuple[object, ...]]:
    planner = Planner(MAY)
    rows = []
    for n in numbers:
        household = Household(
            id=f"F-{n}",
            department="67",
            resources=Decimal("55000"),
            children=TWO_CHILDREN,
            holder=Holder(f"Allocataire {n}", french_iban(n)),
        )
        row = planner.add_plain(household, allocations_familiales(household, MAY))
        assert row is not None
        rows.append(row)
    return rows


def test_a_batch_of_plain_rows_is_the_batch_of_their_instructions() -> None:
    rows = _rows(1, 2, 3)
    batch = pickle.loads(pickle.dumps(PlannedBatch.from_plain_rows(iter(rows))))
    assert batch.distinct
    assert list(batch.plain_rows()) == rows
    assert list(PlannedBatch(batch).plain_rows()) == rows  # checked again from objects: same


def test_a_batch_of_plain_rows_is_checked_for_repeats_like_a_batch() -> None:
    first, second = _rows(1, 2)
    repeated = PlannedBatch.from_plain_rows([first, second, first])
    assert not repeated.distinct
    assert list(repeated.plain_rows()) == [first, second, first]  # the ledger keeps one
    changed = (*first[:6], first[6] + 1, *first[7:])
    with pytest.raises(IdempotencyConflictError, match="amount"):
        PlannedBatch.from_plain_rows([first, changed])
    instruction = PlannedBatch.from_plain_rows([first])[0]
    second_attempt = attrs.evolve(instruction, key=instruction.key.next_attempt())
    with pytest.raises(DuplicatePaymentError):
        PlannedBatch.from_plain_rows([first, plain_values(second_attempt)])


@pytest.mark.parametrize(
    "row",
    [
        pytest.param("not a row", id="a string"),
        pytest.param(("AF-1", b"digest"), id="too short"),
        pytest.param(["x"] * len(PLAIN_FIELDS), id="a list"),
    ],
)
def test_something_else_than_a_plain_row_is_refused(row: object) -> None:
    with pytest.raises(TypeError, match="PLAIN_FIELDS"):
        PlannedBatch.from_plain_rows([_rows(1)[0], row])  # type: ignore[list-item]
