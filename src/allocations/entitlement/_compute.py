"""The *allocations familiales* of one household for one benefit month, in integer cents.

Theory of operation: :func:`evaluate` walks the children once against the month's
birth-date cut-offs (:mod:`._month_law`), counts the children *à charge*, picks the tranche
from the resources of year N-2, and adds up integer cents: the base, each *majoration pour
âge*, each *allocation forfaitaire*, and the *compléments dégressifs*. With ``detail=None``
it only returns the gross and the CRDS; with a :class:`Detail` it also records, for every
amount, the rule, the parameters and the article of law — the same code path, so the
explanation cannot disagree with the amount. :func:`evaluate_fast` computes the common
households (about 95 % of a realistic run) in one loop without building any list; every
breakdown re-runs :func:`evaluate` and checks the two agree, and a property test compares
them over generated households. Asked for a :class:`Shape`, the fast path also lists the
lines it computed, each with a key naming everything its text depends on but the
resources, so that the record of a household can be assembled from cached texts
(:mod:`._entitlement`) without re-running the general path.

Documented choices (each tested; the open ones are :class:`EntitlementOptions`):

- Children are counted by the timing rules of R552-2 / R552-3: from the month after the
  birth (even on the 1st), until the month before the 20th birthday; a majoration from the
  month after the 14th (18th) birthday; the earnings cap applies from the month of the 16th
  birthday (the month the schooling condition ceases, R552-3). Facts about a child
  (earnings, housing aid) are those of the benefit month, also when the forfait looks back
  at the month before the 20th birthday.
- Twins: "the eldest" is the child born first; among children born the same day, the first
  listed in the household.
- *Résidence alternée* (R521-2 to R521-4): the family base is rounded (once, on the summed
  rate), then multiplied by average / total children and rounded half up; each shared
  child's majoration (and forfait) is rounded, then halved and rounded half up.
- The forfait of a shared or placed 20-year-old follows the same weights as his majoration.
- Overseas with exactly one child à charge: L755-12 al. 2 disapplies the modulation, so the
  one-child scale and any forfait are paid at the full rate, without complément.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from allocations.entitlement._household import Child, Custody, Household
from allocations.entitlement._month_law import (
    LEAP_DAY_2012,
    MAYOTTE_FROZEN_LAST_BIRTH,
    REFORM_2026_FIRST_BIRTH,
    TRANSITION_2008_LAST_BIRTH,
    ChargeRules,
    MonthLaw,
    div_half_up,
)
from allocations.entitlement._options import EntitlementOptions, MayottePolicy
from allocations.errors import LawNotInForceError, UnsupportedTerritoryError
from allocations.periods import Month, add_years
from allocations.territory import Department, Regime

__all__ = ["Detail", "Exclusion", "Line", "Shape", "evaluate", "evaluate_fast"]

METROPOLITAN, OVERSEAS, MAYOTTE, UNSUPPORTED = "metropolitan", "overseas", "mayotte", "unsupported"


def _kind(department: Department) -> str:
    if department.code == "975":
        return UNSUPPORTED
    regime = department.regime
    if regime is Regime.MAYOTTE:
        return MAYOTTE
    if regime.is_overseas:
        # 971-974 and, listed with them in L751-1, 977 Saint-Barthélemy and 978 Saint-Martin.
        return OVERSEAS
    return METROPOLITAN


_KIND: dict[str, str] = {department.code: _kind(department) for department in Department.all()}

_FULL = Custody.FULL
_SHARED = Custody.SHARED
_PLACED_SERVICES = Custody.PLACED_SERVICES


def _weight(custody: Custody, exclude_placed: bool) -> int:
    """The child's share of the household's allowance, in halves (R521-2 to R521-4, L521-2
    al. 4): 2 in full custody, 1 when shared by halves, 0 when placed with the allowance
    paid to the service (unless the option keeps it)."""
    if custody is _FULL:
        return 2
    if custody is _SHARED:
        return 1
    if custody is _PLACED_SERVICES and exclude_placed:
        return 0
    return 2


# L521-3 / R521-1: in families of fewer than three children à charge the eldest gets no
# majoration.
_ELDEST_EXCLUDED_BELOW = 3

_STANDARD, _TRANSITION_FIRST = 1, 2


class Line(NamedTuple):
    """One amount of the breakdown, before rendering (cents and typed arguments)."""

    component: str
    cents: int
    args: dict[str, object]
    reference: str


class Exclusion(NamedTuple):
    """A child of the household who does not count this month, and why."""

    position: int
    child: Child
    reason: str
    args: dict[str, object]


class Detail:
    """What :func:`evaluate` records when asked to explain itself."""

    __slots__ = ("exclusions", "lines")

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.exclusions: list[Exclusion] = []


class Shape:
    """What :func:`evaluate_fast` records when asked: the lines :func:`evaluate` would
    explain, in the same order, without their texts.

    ``lines`` holds ``(component, cents, key)``. ``key`` names everything the line's text
    and parameters depend on (with the month's law and the options) except ``resources``:
    two lines with equal keys differ only by the resources written in them. ``key`` is
    ``None`` for a line whose text depends on more (a non-zero *complément dégressif*).
    ``whole`` means nothing is due: the one ``nothing_due`` line depends only on the
    children (never on the resources). ``resources`` is what the lines mention, if any.
    """

    __slots__ = ("lines", "resources", "whole")

    def __init__(self) -> None:
        self.lines: list[tuple[str, int, object]] = []
        self.resources: Decimal | None = None
        self.whole = False


def _percent(rate_milli: int) -> Decimal:
    return Decimal(rate_milli) / 1000


def _euros(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _weighted(cents: int, weight: int) -> int:
    if weight == 2:
        return cents
    return div_half_up(cents * weight, 2)


def _complement(ceiling: Decimal, amount_cents: int, resources: Decimal) -> int:
    """(P + 12 × A − R) / 12 rounded half up to the cent, or 0 (D521-1 II, D521-2 II)."""
    twelfths = ceiling * 100 + 12 * amount_cents - resources * 100
    if twelfths <= 0:
        return 0
    if twelfths == twelfths.to_integral_value():
        return div_half_up(int(twelfths), 12)
    return int(Fraction(twelfths) / 12 + Fraction(1, 2))


def _refuse_mayotte(household: Household, what: str) -> UnsupportedTerritoryError:
    return UnsupportedTerritoryError(
        f"household {household.id!r} in Mayotte (976): {what} is not established for the "
        "Mayotte scheme (ordonnance 2002-149 art. 7, LAW.md §10); pass "
        "EntitlementOptions(mayotte=MayottePolicy.BASE_ONLY) to pay the base scale only"
    )


def _over_cap(
    child: Child, law: MonthLaw, month_index: int, kind: str, household: Household
) -> bool:
    earnings = child.monthly_earnings
    if not earnings:
        return False
    if kind == MAYOTTE:
        # The cap would use the Mayotte SMIC, whose values for AF are not established.
        raise _refuse_mayotte(household, "the earnings cap of a child past 16 (Mayotte SMIC)")
    return earnings > law.earnings_cap(month_index)


def _is_charge(
    child: Child, rules: ChargeRules, law: MonthLaw, kind: str, household: Household
) -> bool:
    born = child.birth_date
    if born >= rules.first_day or born < rules.under_limit or child.housing_aid:
        return False
    return not (born < rules.schooling_over and _over_cap(child, law, rules.index, kind, household))


def _birthday_index(born: dt.date, years: int) -> int:
    """The month index of the ``years``-th birthday (29 February -> 1 March, as add_years)."""
    anniversary = add_years(born, years)
    return anniversary.year * 12 + anniversary.month - 1


def _majorations(
    charge: list[Child], law: MonthLaw, options: EntitlementOptions
) -> list[tuple[int, int]]:
    """(index in ``charge``, kind of majoration) of each child entitled to one (L521-3)."""
    eligible: list[tuple[int, int]] = []
    for index, child in enumerate(charge):
        born = child.birth_date
        if born <= TRANSITION_2008_LAST_BIRTH:
            # Décret 2008-410 art. 2: 9 % from 11, 16 % from 16.
            if born < law.cut_transition_second:
                eligible.append((index, _STANDARD))
            elif born < law.cut_transition_first:
                eligible.append((index, _TRANSITION_FIRST))
        elif born >= REFORM_2026_FIRST_BIRTH or (
            born == LEAP_DAY_2012 and not options.leap_day_2012_keeps_age_14
        ):
            if born < law.cut_majoration_cohort:
                eligible.append((index, _STANDARD))
        elif born < law.cut_majoration:
            eligible.append((index, _STANDARD))
    if eligible and len(charge) < _ELDEST_EXCLUDED_BELOW:
        eldest = 0
        for index in range(1, len(charge)):
            if charge[index].birth_date < charge[eldest].birth_date:
                eldest = index
        eligible = [entry for entry in eligible if entry[0] != eldest]
    return eligible


def _majoration_rate(law: MonthLaw, kind: int, tranche: int) -> int:
    if kind == _STANDARD:
        return law.rate_majoration[tranche]
    if tranche != 1:
        # Children of the 2008 transition were all over 16 when modulation began (2015).
        raise LawNotInForceError(
            f"the 2008 transitional majoration of 9 % has no tranche {tranche} "
            f"(benefit month {law.month})"
        )
    return law.rate_transition_first


class _Forfait(NamedTuple):
    position: int
    child: Child
    birthday_month: int
    children_before: int


def _forfaits(
    household: Household,
    candidates: list[tuple[int, Child]],
    law: MonthLaw,
    kind: str,
    detail: Detail | None,
) -> list[_Forfait]:
    """The 20-year-olds entitled to the allocation forfaitaire this month (L521-1 al. 2)."""
    found: list[_Forfait] = []
    for position, child in candidates:
        birthday = _birthday_index(child.birth_date, law.age_limit)
        reason = ""
        count = 0
        if child.housing_aid:
            reason = "housing_aid"
        elif _over_cap(child, law, law.index, kind, household):
            reason = "earnings"
        else:
            rules = law.charge_rules(birthday - 1)
            count = sum(
                1 for other in household.children if _is_charge(other, rules, law, kind, household)
            )
            if count < law.forfait_minimum_children:
                reason = "forfait_family_size"
        if not reason:
            found.append(_Forfait(position, child, birthday, count))
        elif detail is not None:
            detail.exclusions.append(
                Exclusion(
                    position,
                    child,
                    reason,
                    {
                        "twentieth_birthday_month": Month.from_index(birthday),
                        "children_before": count,
                        "minimum_children": law.forfait_minimum_children,
                        "earnings": child.monthly_earnings,
                        "earnings_cap": law.earnings_cap() if reason == "earnings" else None,
                    },
                )
            )
    return found


_ZERO = Decimal(0)
_LATEST = dt.date.max


def evaluate_fast(
    household: Household,
    law: MonthLaw,
    options: EntitlementOptions,
    shape: Shape | None = None,
) -> tuple[int, int] | None:
    """:func:`evaluate` for the common case, or ``None`` to use the general path.

    The common case: the mainland scale (metropolitan France, or overseas with two children
    or more), no child under the 2008 transition. The forfait reuses the general helpers.
    The result is identical to :func:`evaluate` (property-tested; every breakdown re-runs
    the general path and checks it against the amount). With a ``shape`` (empty), the lines
    are recorded in it as well (see :class:`Shape`).
    """
    kind = _KIND[household.department.code]
    if kind != METROPOLITAN and kind != OVERSEAS:
        return None
    first_day = law.first_day
    under_limit = law.under_limit
    schooling_over = law.schooling_over
    cut_majoration = law.cut_majoration
    children = 0
    weight_sum = 0
    entitled_full = 0  # majorations of children counted fully
    entitled_half = 0  # majorations of children in résidence alternée (halved, R521-4)
    eldest = _LATEST
    eldest_weight = 0
    eldest_entitled = False
    candidates: list[tuple[int, Child]] | None = None
    counted: list[tuple[dt.date, Custody, int, bool]] | None = None if shape is None else []
    for child in household.children:
        born = child.birth_date
        if born >= first_day:
            continue
        if born < under_limit:
            if born >= law.cut_forfait_start:
                if candidates is None:
                    candidates = []
                candidates.append((0, child))
            continue
        if child.housing_aid:
            continue
        if born < schooling_over:
            earnings = child.monthly_earnings
            if earnings and earnings > law.earnings_cap():
                continue
        custody = child.custody
        if custody is _FULL:
            weight = 2
        elif options.complement_on_prorated_amounts:
            weight = _weight(custody, options.exclude_placed_child_share)
        else:
            return None
        children += 1
        weight_sum += weight
        entitled = False
        if born < cut_majoration:
            if born <= TRANSITION_2008_LAST_BIRTH:
                return None
            if born >= REFORM_2026_FIRST_BIRTH or (
                born == LEAP_DAY_2012 and not options.leap_day_2012_keeps_age_14
            ):
                entitled = born < law.cut_majoration_cohort
            else:
                entitled = True
            if entitled:
                if weight == 2:
                    entitled_full += 1
                elif weight == 1:
                    entitled_half += 1
        if counted is not None:
            counted.append((born, custody, weight, entitled))
        if born < eldest:
            eldest, eldest_weight, eldest_entitled = born, weight, entitled
    if children < 2:
        if children == 1 and kind == OVERSEAS:
            return None
        if candidates is None:
            if shape is not None:
                shape.whole = True
                shape.lines.append(("nothing_due", 0, None))
            return 0, 0
        return _fast_forfaits_only(household, law, options, kind, children, candidates, shape)
    # L521-3: below three children the eldest (the first listed among twins) gets none.
    if eldest_entitled and children < _ELDEST_EXCLUDED_BELOW:
        if eldest_weight == 2:
            entitled_full -= 1
        elif eldest_weight == 1:
            entitled_half -= 1
    if law.modulated:
        held = household.resources
        flat = held.flat
        resources = held.for_year(law.year - 2) if flat is None else flat
        ceiling_1, ceiling_2 = law.ceilings(children)
        # D521-3: a resource exactly on a ceiling stays in the lower tranche.
        tranche = 1 if resources <= ceiling_1 else 2 if resources <= ceiling_2 else 3
    else:
        tranche, resources, ceiling_1, ceiling_2 = 1, _ZERO, _ZERO, _ZERO
    full_weight = 2 * children
    base = law.base_cents(tranche, children)
    if weight_sum != full_weight:
        base = div_half_up(base * weight_sum, full_weight)
    majoration = law.majoration_cents[tranche]
    halved = div_half_up(majoration, 2)
    gross = base + entitled_full * majoration + entitled_half * halved
    complement = uncapped = 0
    if tranche > 1:
        complement = uncapped = _complement(
            ceiling_1 if tranche == 2 else ceiling_2, gross, resources
        )
        if options.complement_capped_at_lower_tranche:
            lower = law.base_cents(tranche - 1, children)
            if weight_sum != full_weight:
                lower = div_half_up(lower * weight_sum, full_weight)
            lower_majoration = law.majoration_cents[tranche - 1]
            lower += entitled_full * lower_majoration
            lower += entitled_half * div_half_up(lower_majoration, 2)
            complement = max(min(complement, lower - gross), 0)
    if counted is not None and shape is not None:
        _shape_main(shape, counted, tranche, weight_sum, (base, majoration, halved))
        if tranche > 1:
            key = ("complement_degressif", children, tranche, gross) if uncapped == 0 else None
            shape.lines.append(("complement_degressif", complement, key))
        if law.modulated:
            shape.resources = resources
    gross += complement
    numerator, denominator = law.crds_numerator, law.crds_denominator
    forfait_parts: list[int] = []
    if candidates is not None:
        forfaits = _forfaits(household, candidates, law, kind, None)
        if forfaits:
            _forfait_amounts(
                law,
                options,
                children,
                forfaits,
                law.modulated,
                resources,
                forfait_parts,
                None,
                shape,
            )
            gross += sum(forfait_parts)
    if options.crds_per_component:
        crds = base * numerator // denominator + complement * numerator // denominator
        crds += entitled_full * (majoration * numerator // denominator)
        crds += entitled_half * (halved * numerator // denominator)
        return gross, crds + sum(part * numerator // denominator for part in forfait_parts)
    return gross, gross * numerator // denominator


def _fast_forfaits_only(
    household: Household,
    law: MonthLaw,
    options: EntitlementOptions,
    kind: str,
    children: int,
    candidates: list[tuple[int, Child]],
    shape: Shape | None,
) -> tuple[int, int] | None:
    """Fewer than two children à charge but 20-year-olds: only forfaits can be due."""
    forfaits = _forfaits(household, candidates, law, kind, None)
    if not forfaits:
        if shape is not None:
            shape.whole = True
            shape.lines.append(("nothing_due", 0, None))
        return 0, 0
    resources = _resources(household, law) if law.modulated else _ZERO
    parts: list[int] = []
    _forfait_amounts(law, options, children, forfaits, law.modulated, resources, parts, None, shape)
    gross = sum(parts)
    numerator, denominator = law.crds_numerator, law.crds_denominator
    if options.crds_per_component:
        return gross, sum(part * numerator // denominator for part in parts)
    return gross, gross * numerator // denominator


def _shape_main(
    shape: Shape,
    counted: list[tuple[dt.date, Custody, int, bool]],
    tranche: int,
    weight_sum: int,
    amounts: tuple[int, int, int],
) -> None:
    """The base and majoration lines of :func:`_base_and_majorations`, with their keys."""
    base, majoration, halved = amounts
    children = len(counted)
    shared = placed = False
    eldest, eldest_born = 0, counted[0][0]
    for index, (born, custody, _, _) in enumerate(counted):
        if custody is not _FULL:
            shared = shared or custody is _SHARED
            placed = placed or custody is _PLACED_SERVICES
        if born < eldest_born:
            eldest, eldest_born = index, born  # the first listed among twins
    # The base line's text: the tranche, n, the average of shared children and the
    # articles, which name résidence alternée and placement when present.
    lines = shape.lines
    lines.append(("base", base, ("base", tranche, children, weight_sum, shared, placed)))
    few = children < _ELDEST_EXCLUDED_BELOW
    for index, (born, custody, weight, entitled) in enumerate(counted):
        if not entitled or (few and index == eldest):
            continue
        cents = majoration if weight == 2 else halved if weight == 1 else 0
        # The custody only changes the text of a child not counted fully (R521-4, L521-2).
        key = ("majoration", born, tranche, weight, custody if weight != 2 else None, few)
        lines.append(("majoration", cents, key))


def evaluate(
    household: Household,
    law: MonthLaw,
    options: EntitlementOptions,
    detail: Detail | None = None,
) -> tuple[int, int]:
    """The gross amount and the CRDS withheld, in cents.

    Raises:
        UnsupportedTerritoryError: Saint-Pierre-et-Miquelon, or an unsettled Mayotte case.
        LawNotInForceError: a parameter needed for this household is not known (the SMIC
            of a month before 2015 for a child with earnings).
        InvalidHouseholdError: the resources of year N-2 are needed and missing.
    """
    kind = _KIND[household.department.code]
    if kind == UNSUPPORTED:
        raise UnsupportedTerritoryError(
            f"household {household.id!r}: Saint-Pierre-et-Miquelon (975) has its own "
            "family-benefit scheme, which this library does not implement (LAW.md §1)"
        )
    first_day = law.first_day
    under_limit = law.under_limit
    schooling_over = law.schooling_over
    charge: list[Child] = []
    candidates: list[tuple[int, Child]] = []
    for position, child in enumerate(household.children):
        born = child.birth_date
        if born >= first_day:
            if detail is not None:
                reason = "born_this_month" if born <= law.last_day else "not_born"
                detail.exclusions.append(Exclusion(position, child, reason, {}))
        elif born < under_limit:
            if born >= law.cut_forfait_start:
                candidates.append((position, child))
            elif detail is not None:
                limit_month = Month.of(add_years(born, law.age_limit))
                detail.exclusions.append(
                    Exclusion(position, child, "age_limit", {"limit_month": limit_month})
                )
        elif child.housing_aid:
            if detail is not None:
                detail.exclusions.append(Exclusion(position, child, "housing_aid", {}))
        elif born < schooling_over and _over_cap(child, law, law.index, kind, household):
            if detail is not None:
                detail.exclusions.append(
                    Exclusion(
                        position,
                        child,
                        "earnings",
                        {"earnings": child.monthly_earnings, "earnings_cap": law.earnings_cap()},
                    )
                )
        else:
            charge.append(child)
    parts: list[int] = []
    if kind == MAYOTTE:
        _mayotte(household, law, options, charge, candidates, parts, detail)
    else:
        _mainland(household, law, options, kind, charge, candidates, parts, detail)
    gross = sum(parts)
    if kind == MAYOTTE and not options.mayotte_crds:
        return gross, 0
    numerator, denominator = law.crds_numerator, law.crds_denominator
    if options.crds_per_component:
        return gross, sum(part * numerator // denominator for part in parts)
    # Ordonnance 96-50 art. 14: 0.5 % withheld, truncated to the cent (LAW.md §13).
    return gross, gross * numerator // denominator


def _nothing_due(
    parts: list[int], detail: Detail | None, reason: str, args: dict[str, object], reference: str
) -> None:
    parts.append(0)
    if detail is not None:
        detail.lines.append(Line("nothing_due", 0, {"reason": reason, **args}, reference))


def _resources(household: Household, law: MonthLaw) -> Decimal:
    # D521-3: benefit months of year N use the resources of year N-2.
    return household.resources.for_year(law.year - 2)


def _mainland(
    household: Household,
    law: MonthLaw,
    options: EntitlementOptions,
    kind: str,
    charge: list[Child],
    candidates: list[tuple[int, Child]],
    parts: list[int],
    detail: Detail | None,
) -> None:
    children = len(charge)
    single_overseas = kind == OVERSEAS and children == 1
    due = children >= law.minimum_children or single_overseas
    forfaits = _forfaits(household, candidates, law, kind, detail) if candidates else []
    if not due and not forfaits:
        if children == 0:
            _nothing_due(parts, detail, "no_child", {}, "CSS art. L512-3, R512-2, L521-1")
        else:
            _nothing_due(
                parts,
                detail,
                "single_child_metropolitan",
                {"minimum_children": law.minimum_children},
                "CSS art. L521-1 al. 1",
            )
        return
    exclude = options.exclude_placed_child_share
    # L755-12 al. 2: no modulation (nor complément) for an overseas family with one child.
    modulated = law.modulated and not single_overseas
    resources = _resources(household, law) if modulated else Decimal(0)
    if single_overseas:
        _overseas_single_child(law, charge[0], _weight(charge[0].custody, exclude), parts, detail)
    elif due:
        child_weights = [_weight(child.custody, exclude) for child in charge]
        _base_and_majorations(law, options, charge, child_weights, resources, parts, detail)
    if forfaits:
        _forfait_amounts(law, options, children, forfaits, modulated, resources, parts, detail)


def _tranche_args(
    law: MonthLaw, children: int, tranche: int, resources: Decimal
) -> dict[str, object]:
    if not law.modulated:
        return {"tranche": tranche, "modulated": False}
    ceiling_1, ceiling_2 = law.ceilings(children)
    return {
        "tranche": tranche,
        "modulated": True,
        "resources": resources,
        "resources_year": law.year - 2,
        "ceiling_children": children,
        "ceiling_tranche_1": ceiling_1,
        "ceiling_tranche_2": ceiling_2,
    }


def _tranche_amounts(
    law: MonthLaw,
    tranche: int,
    children: int,
    weight_sum: int,
    eligible: list[tuple[int, int]],
    child_weights: list[int],
) -> tuple[int, int, list[int], list[int]]:
    """Household base, full base, household and full majorations at ``tranche``."""
    full_base = law.base_cents(tranche, children)
    full_weight = 2 * children
    base = (
        full_base if weight_sum == full_weight else div_half_up(full_base * weight_sum, full_weight)
    )
    full_majorations = [
        law.majoration_cents[tranche]
        if kind == _STANDARD
        else law.amount(_majoration_rate(law, kind, tranche))
        for _, kind in eligible
    ]
    majorations = [
        _weighted(cents, child_weights[index])
        for cents, (index, _) in zip(full_majorations, eligible, strict=True)
    ]
    return base, full_base, majorations, full_majorations


def _base_and_majorations(
    law: MonthLaw,
    options: EntitlementOptions,
    charge: list[Child],
    child_weights: list[int],
    resources: Decimal,
    parts: list[int],
    detail: Detail | None,
) -> None:
    children = len(charge)
    tranche = law.tranche(resources, children)
    weight_sum = sum(child_weights)
    full_weight = 2 * children
    eligible = _majorations(charge, law, options)
    base, full_base, majorations, full_majorations = _tranche_amounts(
        law, tranche, children, weight_sum, eligible, child_weights
    )
    parts.append(base)
    parts.extend(majorations)
    complement = 0
    if tranche > 1:
        ceiling = law.ceilings(children)[tranche - 2]
        lower = _tranche_amounts(law, tranche - 1, children, weight_sum, eligible, child_weights)
        if options.complement_on_prorated_amounts:
            amount = base + sum(majorations)
            complement = _complement(ceiling, amount, resources)
            if options.complement_capped_at_lower_tranche:
                complement = min(complement, lower[0] + sum(lower[2]) - amount)
        else:
            amount = full_base + sum(full_majorations)
            complement = _complement(ceiling, amount, resources)
            if options.complement_capped_at_lower_tranche:
                complement = min(complement, lower[1] + sum(lower[3]) - amount)
            complement = div_half_up(max(complement, 0) * weight_sum, full_weight)
        complement = max(complement, 0)
        if complement or detail is not None:
            parts.append(complement)
    if detail is None:
        return
    tranche_args = _tranche_args(law, children, tranche, resources)
    shared = weight_sum != full_weight
    references = ["CSS art. L521-1, D521-1 I"]
    if law.modulated:
        references.append("D521-3")
    if any(child.custody is Custody.SHARED for child in charge):
        references.append("L521-2 al. 2, R521-2, R521-3")
    if any(child.custody is Custody.PLACED_SERVICES for child in charge):
        references.append("L521-2 al. 4")
    detail.lines.append(
        Line(
            "base",
            base,
            {
                **tranche_args,
                "children": children,
                "bmaf": law.bmaf.value,
                "bmaf_in_force_since": law.bmaf.start,
                "rate_percent": _percent(law.family_rate(tranche, children)),
                "full_amount": _euros(full_base),
                "average_children": Decimal(weight_sum) / 2 if shared else None,
            },
            ", ".join(references),
        )
    )
    for (index, kind), cents, full in zip(eligible, majorations, full_majorations, strict=True):
        child = charge[index]
        born = child.birth_date
        if kind == _TRANSITION_FIRST:
            age, reference = law.age_transition_first, "Décret n° 2008-410 art. 2, CSS art. L521-3"
        elif born <= TRANSITION_2008_LAST_BIRTH:
            age, reference = law.age_transition_second, "Décret n° 2008-410 art. 2, CSS art. L521-3"
        elif born < law.cut_majoration and not (
            born >= REFORM_2026_FIRST_BIRTH
            or (born == LEAP_DAY_2012 and not options.leap_day_2012_keeps_age_14)
        ):
            age, reference = law.age_majoration, "CSS art. L521-3, R521-1, D521-1 I"
        else:
            age = law.age_majoration_cohort
            reference = "CSS art. L521-3, R521-1, D521-1 I; décret n° 2026-138"
        weight = child_weights[index]
        if weight != 2:
            reference += ", R521-4" if child.custody is Custody.SHARED else ", L521-2 al. 4"
        detail.lines.append(
            Line(
                "majoration",
                cents,
                {
                    "child_birth_date": born,
                    "age": age,
                    "from_month": Month.of(add_years(born, age)) + 1,
                    "tranche": tranche,
                    "bmaf": law.bmaf.value,
                    "rate_percent": _percent(_majoration_rate(law, kind, tranche)),
                    "full_amount": _euros(full),
                    "share": Decimal(weight) / 2,
                    "eldest_excluded": children < _ELDEST_EXCLUDED_BELOW,
                },
                reference,
            )
        )
    if tranche > 1:
        amount = base + sum(majorations)
        detail.lines.append(
            Line(
                "complement_degressif",
                complement,
                {
                    **tranche_args,
                    "ceiling": law.ceilings(children)[tranche - 2],
                    "monthly_amount": _euros(amount),
                    "uncapped": _euros(
                        _complement(law.ceilings(children)[tranche - 2], amount, resources)
                    ),
                    "on_prorated_amounts": options.complement_on_prorated_amounts,
                },
                "CSS art. L521-1 al. 6, D521-1 II",
            )
        )


def _forfait_amounts(
    law: MonthLaw,
    options: EntitlementOptions,
    children: int,
    forfaits: list[_Forfait],
    modulated: bool,
    resources: Decimal,
    parts: list[int],
    detail: Detail | None,
    shape: Shape | None = None,
) -> None:
    # The same n sets the forfait's tranche and its complément (LAW.md §15 trap 13).
    ceiling_children = children + (
        len(forfaits) if options.forfait_ceiling_counts_forfait_children else 0
    )
    tranche = law.tranche(resources, ceiling_children) if modulated else 1
    full = law.amount(law.rate_forfait[tranche])
    exclude = options.exclude_placed_child_share
    weights = [_weight(forfait.child.custody, exclude) for forfait in forfaits]
    amounts = [_weighted(full, weight) for weight in weights]
    parts.extend(amounts)
    complements: list[int] = []
    uncapped: list[int] = []
    if tranche > 1:
        ceiling = law.ceilings(ceiling_children)[tranche - 2]
        lower = law.amount(law.rate_forfait[tranche - 1])
        lower_amounts = [_weighted(lower, weight) for weight in weights]
        groups = (
            [([amount], [low]) for amount, low in zip(amounts, lower_amounts, strict=True)]
            if options.forfait_complement_per_child
            else [(amounts, lower_amounts)]
        )
        for group, lower_group in groups:
            complement = _complement(ceiling, sum(group), resources)
            uncapped.append(complement)
            if options.complement_capped_at_lower_tranche:
                complement = max(min(complement, sum(lower_group) - sum(group)), 0)
            complements.append(complement)
        parts.extend(complements)
    if shape is not None:
        _shape_forfaits(shape, options, forfaits, (ceiling_children, tranche, modulated), amounts)
        for index, complement in enumerate(complements):
            group_amount = amounts[index] if options.forfait_complement_per_child else sum(amounts)
            born = (
                forfaits[index].child.birth_date if options.forfait_complement_per_child else None
            )
            key = (
                ("complement_degressif_forfait", ceiling_children, tranche, group_amount, born)
                if uncapped[index] == 0
                else None
            )
            shape.lines.append(("complement_degressif_forfait", complement, key))
        if modulated:
            shape.resources = resources
    if detail is None:
        return
    tranche_args = (
        _tranche_args(law, ceiling_children, tranche, resources)
        if modulated
        else {"tranche": 1, "modulated": False}
    )
    for forfait, cents, weight in zip(forfaits, amounts, weights, strict=True):
        detail.lines.append(
            Line(
                "forfait",
                cents,
                {
                    **tranche_args,
                    "child_birth_date": forfait.child.birth_date,
                    "twentieth_birthday_month": Month.from_index(forfait.birthday_month),
                    "last_month": Month.from_index(forfait.birthday_month + law.forfait_months - 1),
                    "children_before": forfait.children_before,
                    "bmaf": law.bmaf.value,
                    "rate_percent": _percent(law.rate_forfait[tranche]),
                    "full_amount": _euros(full),
                    "share": Decimal(weight) / 2,
                },
                "CSS art. L521-1 al. 2, D521-2 I",
            )
        )
    per_child = options.forfait_complement_per_child
    for index, complement in enumerate(complements):
        group_amount = amounts[index] if per_child else sum(amounts)
        ceiling = law.ceilings(ceiling_children)[tranche - 2]
        detail.lines.append(
            Line(
                "complement_degressif_forfait",
                complement,
                {
                    **tranche_args,
                    "ceiling": ceiling,
                    "monthly_amount": _euros(group_amount),
                    "uncapped": _euros(_complement(ceiling, group_amount, resources)),
                    "child_birth_date": forfaits[index].child.birth_date if per_child else None,
                },
                "CSS art. L521-1 al. 6, D521-2 II",
            )
        )


def _shape_forfaits(
    shape: Shape,
    options: EntitlementOptions,
    forfaits: list[_Forfait],
    scale: tuple[int, int, bool],
    amounts: list[int],
) -> None:
    """The forfait lines of :func:`_forfait_amounts`, with their keys."""
    exclude = options.exclude_placed_child_share
    for forfait, cents in zip(forfaits, amounts, strict=True):
        weight = _weight(forfait.child.custody, exclude)
        key = ("forfait", forfait.child.birth_date, forfait.children_before, weight, *scale)
        shape.lines.append(("forfait", cents, key))


def _overseas_single_child(
    law: MonthLaw, child: Child, weight: int, parts: list[int], detail: Detail | None
) -> None:
    full = law.amount(law.rate_overseas_single)
    base = _weighted(full, weight)
    parts.append(base)
    born = child.birth_date
    rate = 0
    age = 0
    if born < law.cut_overseas_second:
        rate, age = law.rate_overseas_second, law.age_overseas_second
    elif born < law.cut_overseas_first:
        rate, age = law.rate_overseas_first, law.age_overseas_first
    majoration_full = law.amount(rate) if rate else 0
    majoration = _weighted(majoration_full, weight)
    if rate:
        parts.append(majoration)
    if detail is None:
        return
    detail.lines.append(
        Line(
            "overseas_single_child",
            base,
            {
                "bmaf": law.bmaf.value,
                "bmaf_in_force_since": law.bmaf.start,
                "rate_percent": _percent(law.rate_overseas_single),
                "full_amount": _euros(full),
                "share": Decimal(weight) / 2,
            },
            "CSS art. L755-12, D755-5 II",
        )
    )
    if rate:
        detail.lines.append(
            Line(
                "overseas_single_child_majoration",
                majoration,
                {
                    "child_birth_date": born,
                    "age": age,
                    "from_month": Month.of(add_years(born, age)) + 1,
                    "bmaf": law.bmaf.value,
                    "rate_percent": _percent(rate),
                    "full_amount": _euros(majoration_full),
                    "share": Decimal(weight) / 2,
                },
                "CSS art. D755-5 II",
            )
        )


def _mayotte(
    household: Household,
    law: MonthLaw,
    options: EntitlementOptions,
    charge: list[Child],
    candidates: list[tuple[int, Child]],
    parts: list[int],
    detail: Detail | None,
) -> None:
    children = len(charge)
    exclude = options.exclude_placed_child_share
    supplements = bool(_majorations(charge, law, options)) if children >= 2 else False
    supplements = supplements or bool(
        candidates and _forfaits(household, candidates, law, MAYOTTE, None)
    )
    if options.mayotte is MayottePolicy.REFUSE:
        if any(child.custody is Custody.SHARED for child in charge):
            raise _refuse_mayotte(household, "the sharing of a child in résidence alternée")
        if supplements:
            raise _refuse_mayotte(
                household,
                "the majoration pour âge or allocation forfaitaire that the mainland rules would pay",
            )
    reference = "Ordonnance n° 2002-149 art. 7, décret n° 2002-423 (annexe)"
    if children == 0:
        _nothing_due(parts, detail, "no_child", {}, "Ordonnance n° 2002-149 art. 7")
    else:
        weight_sum = sum(_weight(child.custody, exclude) for child in charge)
        frozen = (
            children == 1
            and household.mayotte_child_before_2012
            and charge[0].birth_date <= MAYOTTE_FROZEN_LAST_BIRTH
        )
        if frozen:
            full = law.mayotte_frozen_cents
            rate = 0
        else:
            if children == 1:
                rate = law.rate_mayotte_one
            else:
                rate = law.rate_mayotte_two
                if children >= 3:
                    rate += law.rate_mayotte_third + (children - 3) * law.rate_mayotte_fourth
            full = law.amount(rate)
        full_weight = 2 * children
        base = full if weight_sum == full_weight else div_half_up(full * weight_sum, full_weight)
        parts.append(base)
        if detail is not None:
            detail.lines.append(
                Line(
                    "mayotte_frozen_single_child" if frozen else "mayotte_base",
                    base,
                    {
                        "children": children,
                        "year": law.year,
                        "bmaf": law.bmaf.value,
                        "bmaf_in_force_since": law.bmaf.start,
                        "rate_percent": _percent(rate) if not frozen else None,
                        "full_amount": _euros(full),
                        "average_children": Decimal(weight_sum) / 2
                        if weight_sum != full_weight
                        else None,
                        "flag_ignored": household.mayotte_child_before_2012
                        and children == 1
                        and not frozen,
                    },
                    reference,
                )
            )
    if supplements and detail is not None:
        detail.lines.append(
            Line("mayotte_supplements_not_computed", 0, {}, "Ordonnance n° 2002-149 art. 7")
        )
    if supplements:
        parts.append(0)
