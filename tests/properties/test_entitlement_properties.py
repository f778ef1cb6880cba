"""Invariants of the allocations familiales, over generated households and months.

- amounts are never negative; the breakdown adds up to the gross; net = gross - CRDS, the
  CRDS being 0.5 % of the gross truncated to the cent (LAW.md §13);
- the same input gives the same output, and the fast path agrees with the explained path;
- records assembled from cached texts are the breakdown's lines, byte for byte;
- more resources never pay more (with the complément dégressif, LAW.md §7 / §15 trap 13);
- in metropolitan France, one more dependent child never pays less (overseas it can: see
  the last test).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_DOWN, Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

import allocations
from allocations import (
    Child,
    Custody,
    Entitlement,
    EntitlementOptions,
    Household,
    MayottePolicy,
    Month,
)
from allocations.entitlement._compute import evaluate, evaluate_fast
from allocations.entitlement._entitlement import record_json
from allocations.entitlement._month_law import month_law
from tests.unit.test_entitlement_explain import reference_record

FIRST, LAST = Month(2013, 4), Month(2026, 12)
METROPOLITAN = ["01", "13", "2A", "57", "67", "75", "93"]
OVERSEAS = ["971", "972", "973", "974", "977", "978"]
CAP_ZONE = [Decimal(0), Decimal("500.00"), Decimal("1104.25"), Decimal("1104.26"), Decimal(2000)]

months = st.integers(FIRST.index, LAST.index).map(Month.from_index)


@st.composite
def births(draw: st.DrawFn, month: Month) -> dt.date:
    """Birth dates from 22 years before ``month`` to two months after it, with the days
    that matter (the 1st, the last day, 29 February) over-represented."""
    first = month.minus(22 * 12).first_day
    last = (month + 2).last_day
    day = draw(st.dates(min_value=first, max_value=last))
    edge = draw(st.sampled_from(["as is", "first", "last"]))
    if edge == "first":
        return day.replace(day=1)
    if edge == "last":
        return Month.of(day).last_day
    return day


@st.composite
def children(draw: st.DrawFn, month: Month, *, mayotte: bool = False) -> Child:
    custody = draw(st.sampled_from(list(Custody)))
    if mayotte and custody is Custody.SHARED:
        custody = Custody.FULL
    return Child(
        birth_date=draw(births(month)),
        custody=custody,
        # No SMIC is known before 2015 (LAW.md §2) and the forfait looks back one month, so
        # no earner is generated before 2016.
        monthly_earnings=Decimal(0)
        if mayotte or month.year < 2016
        else draw(st.sampled_from(CAP_ZONE)),
        housing_aid=draw(st.integers(0, 9)) == 0,
    )


resources = st.one_of(
    st.integers(0, 160_000).map(Decimal),
    st.decimals(min_value=0, max_value=160_000, places=2, allow_nan=False, allow_infinity=False),
)


@st.composite
def situations(
    draw: st.DrawFn, departments: list[str] = METROPOLITAN + OVERSEAS
) -> tuple[Household, Month]:
    month = draw(months)
    department = draw(st.sampled_from(departments))
    mayotte = department == "976"
    household = Household(
        id="H",
        department=department,
        resources=draw(resources),
        children=draw(st.lists(children(month, mayotte=mayotte), max_size=6)),
        mayotte_child_before_2012=mayotte and draw(st.booleans()),
    )
    return household, month


MAYOTTE_BASE = EntitlementOptions(mayotte=MayottePolicy.BASE_ONLY)


def compute(
    household: Household, month: Month, options: EntitlementOptions | None = None
) -> Entitlement:
    return allocations.allocations_familiales(household, month, options=options)


@given(situations(METROPOLITAN + OVERSEAS + ["976"]))
def test_amounts_add_up(situation: tuple[Household, Month]) -> None:
    household, month = situation
    entitlement = compute(household, month, MAYOTTE_BASE)
    assert entitlement.gross >= 0
    assert entitlement.crds >= 0
    assert entitlement.net == entitlement.gross - entitlement.crds
    withheld = (entitlement.gross * Decimal("0.005")).quantize(Decimal("0.01"), ROUND_DOWN)
    assert entitlement.crds == withheld
    assert entitlement.breakdown, "the breakdown always says something, even for 0"
    assert sum(line.amount for line in entitlement.breakdown) == entitlement.gross
    assert all(line.amount >= 0 for line in entitlement.breakdown)
    if entitlement.gross == 0 and len(entitlement.breakdown) == 1:
        assert entitlement.breakdown[0].rule


@given(situations(METROPOLITAN + OVERSEAS + ["976"]), st.booleans())
def test_same_input_same_output_and_fast_path_agrees(
    situation: tuple[Household, Month], per_component: bool
) -> None:
    household, month = situation
    options = EntitlementOptions(mayotte=MayottePolicy.BASE_ONLY, crds_per_component=per_component)
    first = compute(household, month, options)
    again = compute(household, month, options)
    assert first == again
    assert first.to_record() == again.to_record()
    (streamed,) = allocations.compute_entitlements([household], month, options=options)
    assert streamed == first
    law = month_law(month)
    fast = evaluate_fast(household, law, options)
    if fast is not None:
        assert fast == evaluate(household, law, options)
    if per_component:
        # CRDS per component: the sum of each line's truncated 0.5 %.
        assert first.crds == sum(
            (line.amount * Decimal("0.005")).quantize(Decimal("0.01"), ROUND_DOWN)
            for line in first.breakdown
        )


options = st.builds(
    EntitlementOptions,
    crds_per_component=st.booleans(),
    complement_capped_at_lower_tranche=st.booleans(),
    forfait_ceiling_counts_forfait_children=st.booleans(),
    forfait_complement_per_child=st.booleans(),
    complement_on_prorated_amounts=st.booleans(),
    exclude_placed_child_share=st.booleans(),
    leap_day_2012_keeps_age_14=st.booleans(),
    mayotte=st.just(MayottePolicy.BASE_ONLY),
    mayotte_crds=st.booleans(),
)


@given(situations(METROPOLITAN + OVERSEAS + ["976"]), options, st.data())
def test_records_from_cached_texts_are_the_breakdown_byte_for_byte(
    situation: tuple[Household, Month], options: EntitlementOptions, data: st.DataObject
) -> None:
    household, month = situation
    law = month_law(month)
    # A second household of the same children with other resources (often the same
    # tranche) reads the texts the first one cached: both must be exact.
    other = Household(
        id='H "2" ü',
        department=household.department,
        resources=data.draw(st.one_of(resources, near_ceilings(month))),
        children=household.children,
        mayotte_child_before_2012=household.mayotte_child_before_2012,
    )
    for each in (household, other, household):
        entitlement = compute(each, month, options)
        expected = reference_record(entitlement)
        assert entitlement.to_record() == expected
        assert record_json(each, law, options) == json.dumps(
            expected, ensure_ascii=False, separators=(",", ":")
        )


def near_ceilings(month: Month) -> st.SearchStrategy[Decimal]:
    """Resources within a few cents or euros of a ceiling of that month (any n), where the
    rounding of the complément could make a higher income pay more (LAW.md §7)."""
    law = month_law(month)
    if not law.modulated:
        return resources
    ceilings = [ceiling for n in range(9) for ceiling in law.ceilings(n)]
    offsets = st.sampled_from(
        [Decimal(cents) / 100 for cents in (-100, -1, 0, 1, 2, 3, 5, 7, 100)]
        + [Decimal(euros) for euros in (-1, 1, 400, 447, 448, 896)]
    )
    return st.builds(
        lambda ceiling, offset: max(ceiling + offset, Decimal(0)),
        st.sampled_from(ceilings),
        offsets,
    )


@given(situations(), st.data())
def test_more_resources_never_pay_more(
    situation: tuple[Household, Month], data: st.DataObject
) -> None:
    household, month = situation
    around = st.one_of(resources, near_ceilings(month))
    low, high = sorted((data.draw(around), data.draw(around)))

    def with_resources(amount: Decimal) -> Household:
        return Household(
            id="H", department=household.department, resources=amount, children=household.children
        )

    assert compute(with_resources(high), month).gross <= compute(with_resources(low), month).gross


@given(situations(METROPOLITAN), st.data())
def test_one_more_child_never_pays_less_in_metropolitan_france(
    situation: tuple[Household, Month], data: st.DataObject
) -> None:
    household, month = situation
    # A dependent child: born in an earlier month, under 14, full custody, no pay.
    born = data.draw(
        st.dates(min_value=month.minus(14 * 12 - 1).first_day, max_value=month.minus(1).last_day)
    )
    assume(Month.of(born) < month)
    bigger = Household(
        id="H",
        department=household.department,
        resources=household.resources,
        children=(*household.children, Child(birth_date=born)),
    )
    assert compute(bigger, month).gross >= compute(household, month).gross


def test_one_more_child_can_pay_less_overseas() -> None:
    # Why the previous property is mainland-only (LAW.md §9, §15 trap 1): a single child
    # overseas gets 5.88 % + 5.67 % (16 and over) of the BMAF whatever the income, not
    # means-tested; with a second child the family moves to the mainland scale, here at
    # tranche 3 (8 %), where the eldest of two gets no majoration.
    # 2024-05, BMAF 466.44: one child 27.43 + 26.45 = 53.88; two children 37.32.
    def overseas(*births: dt.date) -> Household:
        return Household(
            id="H",
            department="971",
            resources=Decimal(1_000_000),
            children=tuple(Child(birth_date=birth) for birth in births),
        )

    month = Month(2024, 5)
    one = compute(overseas(dt.date(2007, 6, 15)), month)
    two = compute(overseas(dt.date(2007, 6, 15), dt.date(2024, 1, 1)), month)
    assert one.gross == Decimal("27.43") + Decimal("26.45")
    assert two.gross == Decimal("37.32")
    assert two.gross < one.gross
