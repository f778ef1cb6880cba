"""Edge cases of the allocations familiales rules (LAW.md §2 to §13 and the traps of §15).

Expected amounts are written as their derivation from the BMAF and the rates of LAW.md §3-§4,
rounded half up to the cent (§13). BMAF 2024-04: 466.44 €; 2025-04: 474.37 €.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

import allocations
from allocations import (
    Child,
    Custody,
    Entitlement,
    EntitlementOptions,
    Household,
    InvalidHouseholdError,
    LawNotInForceError,
    MayottePolicy,
    Month,
    UnsupportedTerritoryError,
)

CENT = Decimal("0.01")
BMAF_2024 = Decimal("466.44")
BMAF_2025 = Decimal("474.37")
MAY_2024 = Month(2024, 5)


def rounded(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def child(year: int, month: int = 6, day: int = 15, **fields: object) -> Child:
    return Child(birth_date=dt.date(year, month, day), **fields)  # type: ignore[arg-type]


def compute(
    month: Month,
    *children: Child,
    department: str = "75",
    resources: object = 0,
    options: EntitlementOptions | None = None,
    **household: object,
) -> Entitlement:
    return allocations.allocations_familiales(
        Household(
            id="H",
            department=department,
            resources=resources,
            children=children,
            **household,  # type: ignore[arg-type]
        ),
        month,
        options=options,
    )


def components(entitlement: Entitlement) -> list[tuple[str, Decimal]]:
    return [(line.component, line.amount) for line in entitlement.breakdown]


TWO = rounded(BMAF_2024 * Decimal("0.32"))  # 149.26
MAJORATION = rounded(BMAF_2024 * Decimal("0.16"))  # 74.63
FORFAIT = rounded(BMAF_2024 * Decimal("0.20234"))  # 94.38


# -- timing: R552-2 (from the month after) and R552-3 (stop in the month) ------------------


def test_birth_on_the_first_counts_from_the_next_month() -> None:
    # Trap 7: born on 1 May 2024, the second child counts from June, not May.
    newborn = child(2024, 5, 1)
    assert compute(Month(2024, 5), child(2016), newborn).gross == 0
    assert compute(Month(2024, 6), child(2016), newborn).gross == TWO


def test_birth_on_the_last_day_counts_from_the_next_month() -> None:
    newborn = child(2024, 4, 30)
    assert compute(Month(2024, 4), child(2016), newborn).gross == 0
    assert compute(Month(2024, 5), child(2016), newborn).gross == TWO


def test_a_child_born_after_the_month_never_counts() -> None:
    # Trap 9: unborn children never count.
    found = compute(MAY_2024, child(2016), child(2024, 8, 1))
    assert found.gross == 0
    (line,) = found.breakdown
    assert "n'est pas encore né" in line.rule


@pytest.mark.parametrize(
    ("birth", "first_month"),
    [
        (dt.date(2010, 5, 1), Month(2024, 6)),  # 14 on 1 May 2024 -> from June
        (dt.date(2010, 5, 31), Month(2024, 6)),  # 14 on 31 May 2024 -> from June
        (dt.date(2010, 4, 30), Month(2024, 5)),  # 14 on 30 April 2024 -> from May
    ],
)
def test_majoration_from_the_month_after_the_14th_birthday(
    birth: dt.date, first_month: Month
) -> None:
    teen = Child(birth_date=birth)
    family = (teen, child(2015), child(2017))  # three children: no eldest exclusion
    three = rounded(BMAF_2024 * Decimal("0.73"))
    assert compute(first_month.minus(1), *family).gross == three
    assert compute(first_month, *family).gross == three + MAJORATION


def test_the_eldest_of_two_gets_no_majoration() -> None:
    # L521-3: families of fewer than three children -> no majoration for the eldest.
    assert compute(MAY_2024, child(2009), child(2016)).gross == TWO
    # Both over 14: exactly one majoration (the younger's).
    assert compute(MAY_2024, child(2008), child(2009)).gross == TWO + MAJORATION


def test_twins_aged_14_in_a_two_child_family_get_one_majoration() -> None:
    # Trap 5: only one child, "le plus âgé", is excluded, even when twins.
    twin = child(2009, 3, 3)
    found = compute(MAY_2024, twin, twin)
    assert found.gross == TWO + MAJORATION
    assert components(found) == [("base", TWO), ("majoration", MAJORATION)]


def test_the_eldest_is_chosen_among_children_a_charge_only() -> None:
    # Trap 6: a 17-year-old earning over the cap is not à charge: the 15-year-old becomes the
    # eldest of two and gets no majoration.
    earner = child(2007, monthly_earnings=Decimal("1500"))
    found = compute(MAY_2024, earner, child(2009), child(2016))
    assert found.gross == TWO
    counted = compute(MAY_2024, child(2007), child(2009), child(2016))
    assert counted.gross == rounded(BMAF_2024 * Decimal("0.73")) + 2 * MAJORATION


def test_twentieth_birthday_child_out_forfait_in_for_twelve_months() -> None:
    # Trap 7/8: out from the month of the 20th birthday (even on the 31st); the forfait runs
    # from that month to the month before the 21st birthday (12 months), with >= 3 children
    # à charge in the month before the 20th birthday.
    eldest = child(2004, 5, 31)
    family = (eldest, child(2012), child(2016))
    three = rounded(BMAF_2024 * Decimal("0.73"))
    assert compute(Month(2024, 4), *family).gross == three + MAJORATION  # still à charge, 19
    # May 2024 (first forfait month) and April 2025 (twelfth): two children left (12 and 8),
    # base for two, no majoration, one forfait.
    assert compute(Month(2024, 5), *family).gross == TWO + FORFAIT
    assert compute(Month(2025, 4), *family).gross == rounded(BMAF_2025 * Decimal("0.32")) + rounded(
        BMAF_2025 * Decimal("0.20234")
    )
    # May 2025, the month of the 21st birthday: the forfait has ended.
    assert compute(Month(2025, 5), *family).gross == rounded(BMAF_2025 * Decimal("0.32"))


def test_no_forfait_without_three_children_before_the_20th_birthday() -> None:
    found = compute(MAY_2024, child(2004, 5, 10), child(2016))
    assert found.gross == 0
    (line,) = found.breakdown
    assert line.component == "nothing_due"
    assert "un seul enfant à charge en métropole" in line.rule
    assert "il en faut 3" in line.rule


def test_forfait_is_per_child_for_twins() -> None:
    twin = child(2004, 5, 10)
    found = compute(MAY_2024, twin, twin, child(2016))
    # In April: three children à charge. In May: one child left, two forfaits, no base.
    assert components(found) == [("forfait", FORFAIT), ("forfait", FORFAIT)]


# -- earnings cap, housing aid -----------------------------------------------------------


def test_earnings_cap_after_compulsory_schooling() -> None:
    # R512-2: cap 2024 = 0.55 x 169 x 11.65 = 1 082.8675 -> 1 082.87 €; "n'excède pas".
    cap = rounded(Decimal("0.55") * 169 * Decimal("11.65"))
    at_cap = child(2007, monthly_earnings=cap)
    over = child(2007, monthly_earnings=cap + CENT)
    assert compute(MAY_2024, at_cap, child(2016)).gross == TWO
    assert compute(MAY_2024, over, child(2016)).gross == 0
    # Under 16 (compulsory schooling) the pay does not matter.
    assert compute(MAY_2024, child(2009, monthly_earnings=cap * 2), child(2016)).gross == TWO


def test_earnings_cap_applies_from_the_month_of_the_16th_birthday() -> None:
    # Documented choice (R552-3): the schooling condition ceases in the month of the 16th
    # birthday, so from that month the pay must not exceed the cap.
    apprentice = child(2008, 5, 20, monthly_earnings=Decimal("1200"))
    assert compute(Month(2024, 4), apprentice, child(2016)).gross == TWO
    assert compute(Month(2024, 5), apprentice, child(2016)).gross == 0


def test_a_child_with_housing_aid_in_his_own_name_does_not_count() -> None:
    # CCH L821-3.
    found = compute(MAY_2024, child(2005, housing_aid=True), child(2016))
    assert found.gross == 0
    assert "aide au logement" in found.breakdown[0].rule


# -- modulation and complément dégressif (LAW.md §7) --------------------------------------

P1_2024_TWO = Decimal(62474 + 2 * 6246)  # 74 966
P2_2024_TWO = Decimal(87430 + 2 * 6246)  # 99 922
T2_TWO = rounded(BMAF_2024 * Decimal("0.16"))  # 74.63
T3_TWO = rounded(BMAF_2024 * Decimal("0.08"))  # 37.32


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        (P1_2024_TWO, TWO),  # exactly on P1: stays in tranche 1
        # One cent above: T2 + complément (74 966 + 12 x 74.63 - 74 966.01) / 12 = 74.6292
        # -> 74.63, which brings the total back to the T1 amount.
        (P1_2024_TWO + CENT, T2_TWO + rounded((12 * T2_TWO - CENT) / 12)),
        # LAW.md §7 worked example: R = P1 + 400 = 75 366 -> 74.63 + 41.30 = 115.93.
        (Decimal(75366), Decimal("115.93")),
        (Decimal(75366), T2_TWO + rounded((P1_2024_TWO + 12 * T2_TWO - 75366) / 12)),
        # The complément vanishes at R >= P1 + 12 x 74.63 = 75 861.56.
        (Decimal("75861.55"), T2_TWO),
        (Decimal("75861.56"), T2_TWO),
        (P2_2024_TWO, T2_TWO),  # exactly on P2: stays in tranche 2, complément nil
        # One euro above P2: 37.32 + (99 922 + 447.84 - 99 923) / 12 = 37.32 + 37.24.
        (P2_2024_TWO + 1, T3_TWO + rounded((12 * T3_TWO - 1) / 12)),
        (P2_2024_TWO + 448, T3_TWO),  # past the band: tranche 3 alone
    ],
)
def test_resources_on_and_around_the_ceilings(resources: Decimal, expected: Decimal) -> None:
    found = compute(MAY_2024, child(2012), child(2016), resources=resources)
    assert found.gross == expected


def test_complement_cap_keeps_the_total_monotonic_one_cent_above_p2() -> None:
    # Rounding half up: one cent above P2 the uncapped complément is
    # round((447.84 - 0.01) / 12) = round(37.3192) = 37.32, so 37.32 + 37.32 = 74.64, one
    # cent more than the 74.63 paid on P2. The default cap keeps 74.63.
    family = (child(2012), child(2016))
    on_p2 = compute(MAY_2024, *family, resources=P2_2024_TWO)
    above = compute(MAY_2024, *family, resources=P2_2024_TWO + CENT)
    assert on_p2.gross == above.gross == T2_TWO
    uncapped = compute(
        MAY_2024,
        *family,
        resources=P2_2024_TWO + CENT,
        options=EntitlementOptions(complement_capped_at_lower_tranche=False),
    )
    assert uncapped.gross == T3_TWO + rounded((12 * T3_TWO - CENT) / 12) == Decimal("74.64")
    (complement,) = [line for line in above.breakdown if line.component == "complement_degressif"]
    assert complement.amount == T2_TWO - T3_TWO
    assert "limité à" in complement.rule


def test_complement_on_base_and_majorations() -> None:
    # A = 74.63 + 37.32 (T2 majoration) = 111.95;
    # complément = (74 966 + 12 x 111.95 - 75 366) / 12 = 78.6167 -> 78.62.
    found = compute(MAY_2024, child(2008), child(2009), resources=75366)
    a = T2_TWO + rounded(BMAF_2024 * Decimal("0.08"))
    complement = rounded((P1_2024_TWO + 12 * a - 75366) / 12)
    assert components(found) == [
        ("base", T2_TWO),
        ("majoration", rounded(BMAF_2024 * Decimal("0.08"))),
        ("complement_degressif", complement),
    ]


def test_forfait_complement_uses_the_same_ceiling_as_its_tranche() -> None:
    # Trap 13. Family: a child turning 20 in May 2024 plus two children à charge; the forfait's
    # ceilings count 3 children (default): P1(3) = 81 212. R = 81 312 -> forfait T2 47.19 with
    # complément (81 212 + 12 x 47.19 - 81 312) / 12 = 38.86; the base (2 children,
    # P2(2) = 99 922) is in T2 with complément 0 (81 312 > 74 966 + 12 x 74.63).
    found = compute(MAY_2024, child(2004, 5, 10), child(2012), child(2016), resources=81312)
    forfait = rounded(BMAF_2024 * Decimal("0.10117"))
    assert components(found) == [
        ("base", T2_TWO),
        ("complement_degressif", Decimal("0.00")),
        ("forfait", forfait),
        ("complement_degressif_forfait", rounded((81212 + 12 * forfait - 81312) / 12)),
    ]


def test_forfait_ceiling_option_counts_children_a_charge_only() -> None:
    # R = P2(3) = 106 168: with the 20-year-old counted (default) the forfait is in T2;
    # counting the two children à charge only, P2(2) = 99 922 < R: tranche 3.
    family = (child(2004, 5, 10), child(2012), child(2016))
    default = compute(MAY_2024, *family, resources=106168)
    narrow = compute(
        MAY_2024,
        *family,
        resources=106168,
        options=EntitlementOptions(forfait_ceiling_counts_forfait_children=False),
    )
    forfait = [line.amount for line in default.breakdown if line.component == "forfait"]
    assert forfait == [rounded(BMAF_2024 * Decimal("0.10117"))]
    forfait = [line.amount for line in narrow.breakdown if line.component == "forfait"]
    assert forfait == [rounded(BMAF_2024 * Decimal("0.05059"))]


def test_forfait_complement_per_child_option() -> None:
    # Twins turning 20 with two children left: the forfait ceilings count 2 + 2 = 4 children,
    # P1(4) = 62 474 + 4 x 6 246 = 87 458; R = 87 958 (T2, forfait 47.19 each).
    # Summed (default): (87 458 + 12 x 94.38 - 87 958) / 12 = 52.7133 -> 52.71.
    # Per child (option): (87 458 + 12 x 47.19 - 87 958) / 12 = 5.5233 -> 5.52 each.
    twin = child(2004, 5, 10)
    family = (twin, twin, child(2012), child(2016))
    forfait = rounded(BMAF_2024 * Decimal("0.10117"))
    ceiling = Decimal(62474 + 4 * 6246)
    summed = compute(MAY_2024, *family, resources=87958)
    per_child = compute(
        MAY_2024,
        *family,
        resources=87958,
        options=EntitlementOptions(forfait_complement_per_child=True),
    )

    def complements(found: Entitlement) -> list[Decimal]:
        return [
            line.amount
            for line in found.breakdown
            if line.component == "complement_degressif_forfait"
        ]

    assert complements(summed) == [rounded((ceiling + 12 * 2 * forfait - 87958) / 12)]
    assert complements(per_child) == 2 * [rounded((ceiling + 12 * forfait - 87958) / 12)]
    assert summed.gross > per_child.gross


def test_resources_of_year_n_minus_2_and_january_ceilings() -> None:
    # Trap 14: ceilings change on 1 January and the reference year moves with them.
    family = (child(2012), child(2016))
    resources = {2022: Decimal(76000), 2023: Decimal(76000)}
    december = compute(Month(2024, 12), *family, resources=resources)
    january = compute(Month(2025, 1), *family, resources=resources)
    # Dec 2024: 76 000 (2022) > P1(2) 2024 = 74 966 -> T2 (74.63, complément 0 because
    # 76 000 > 74 966 + 895.56). Jan 2025: 76 000 (2023) <= P1(2) 2025 = 78 565 -> T1.
    assert december.gross == T2_TWO
    assert january.gross == rounded(BMAF_2024 * Decimal("0.32"))
    base = january.breakdown[0]
    assert base.parameter("resources_year") == "2023"
    assert base.parameter("ceiling_tranche_1") == "78565"


def test_missing_resources_of_the_reference_year_raise() -> None:
    with pytest.raises(InvalidHouseholdError, match="reference year 2022"):
        compute(MAY_2024, child(2012), child(2016), resources={2023: Decimal(1)})
    # Resources are not needed when nothing depends on them (one child in metropolitan France).
    assert compute(MAY_2024, child(2012), resources={2023: Decimal(1)}).gross == 0


def test_no_modulation_before_july_2015() -> None:
    # Loi 2014-1554 art. 85 / décret 2015-611: modulation from 1 July 2015.
    rich = Decimal(10_000_000)
    assert compute(Month(2015, 6), child(2005), child(2010), resources=rich).gross == rounded(
        Decimal("406.21") * Decimal("0.32")
    )
    assert compute(Month(2015, 7), child(2005), child(2010), resources=rich).gross == rounded(
        Decimal("406.21") * Decimal("0.08")
    )


def test_july_2022_mid_year_bmaf() -> None:
    # LAW.md §3: 422.28 from April, 439.17 from 1 July 2022 (loi 2022-1158).
    family = (child(2012), child(2016))
    june, july = compute(Month(2022, 6), *family), compute(Month(2022, 7), *family)
    assert june.gross == rounded(Decimal("422.28") * Decimal("0.32"))
    assert july.gross == rounded(Decimal("439.17") * Decimal("0.32")) == Decimal("140.53")
    assert july.net == Decimal("139.83")  # not the press's 139.84 (LAW.md §14)


def test_crds_on_the_total_or_per_component() -> None:
    # LAW.md §13 [UNCERTAIN]: 2025, two children + one majoration at T1: 151.80 + 75.90 =
    # 227.70 gross; on the total 227.70 - 1.13 = 226.57; per component 151.05 + 75.53 = 226.58.
    family = (child(2009), child(2010))
    total = compute(Month(2025, 5), *family)
    per_component = compute(
        Month(2025, 5), *family, options=EntitlementOptions(crds_per_component=True)
    )
    assert total.gross == per_component.gross == Decimal("227.70")
    assert total.net == Decimal("226.57")
    assert per_component.net == Decimal("226.58")


# -- 2008 transition and 2026 reform of the majoration age --------------------------------


def test_2008_transition_nine_percent_from_11_until_16() -> None:
    # Décret 2008-410 art. 2: born on or before 30 April 1997 -> 9 % from 11, 16 % from 16.
    # Born 15 April 1997: 16 in April 2013 -> 9 % in April, 16 % from May 2013.
    family = (child(1997, 4, 15), child(2005), child(2008))
    three = rounded(Decimal("403.79") * Decimal("0.73"))
    april = compute(Month(2013, 4), *family)
    may = compute(Month(2013, 5), *family)
    assert april.gross == three + rounded(Decimal("403.79") * Decimal("0.09"))
    assert may.gross == three + rounded(Decimal("403.79") * Decimal("0.16"))
    assert "2008-410" in april.breakdown[1].legal_reference
    # Born 1 May 1997: the new scheme (14), so 16 % already in April 2013.
    new_scheme = compute(Month(2013, 4), child(1997, 5, 1), child(2005), child(2008))
    assert new_scheme.gross == three + rounded(Decimal("403.79") * Decimal("0.16"))


def test_2026_reform_is_a_cohort_rule() -> None:
    # Décret 2026-138: born before 1 March 2012 -> 14; on or after -> 18 (trap 16).
    older = child(2012, 2, 15)  # 14 in February 2026 -> majoration from March 2026
    younger = child(2012, 3, 1)  # 14 on 1 March 2026 -> threshold 18
    base_three = rounded(Decimal("474.37") * Decimal("0.73"))
    found = compute(Month(2026, 3), older, younger, child(2018))
    assert found.gross == base_three + rounded(Decimal("474.37") * Decimal("0.16"))
    later = compute(Month(2026, 6), older, younger, child(2018))
    assert [line.component for line in later.breakdown] == ["base", "majoration"]
    assert later.breakdown[1].parameter("child_birth_date") == "2012-02-15"
    # At 18 (March 2030) the younger gets it from April 2030; the law of 2030 is not known,
    # so the caller extends the last known values explicitly.
    extend = EntitlementOptions(extend_last_known=True)
    march = compute(Month(2030, 3), younger, child(2018), child(2020), options=extend)
    april = compute(Month(2030, 4), younger, child(2018), child(2020), options=extend)
    assert [line.component for line in march.breakdown] == ["base"]
    assert [line.component for line in april.breakdown] == ["base", "majoration"]
    assert april.breakdown[1].parameter("age") == "18"


def test_leap_day_2012_child_option() -> None:
    # LAW.md §5 [UNCERTAIN]: born 29 Feb 2012, "14" on 1 March 2026 by the library's
    # convention. Default: keeps 14 (born before 1 March 2012) -> majoration from April 2026.
    leap = child(2012, 2, 29)
    family = (leap, child(2016), child(2018))
    assert [line.component for line in compute(Month(2026, 3), *family).breakdown] == ["base"]
    assert [line.component for line in compute(Month(2026, 4), *family).breakdown] == [
        "base",
        "majoration",
    ]
    strict = EntitlementOptions(leap_day_2012_keeps_age_14=False)
    found = compute(Month(2026, 4), *family, options=strict)
    assert [line.component for line in found.breakdown] == ["base"]


# -- shared custody and placed children (LAW.md §8) ----------------------------------------


def test_shared_custody_prorates_the_base() -> None:
    # One shared + one full child: 149.26 x 1.5 / 2 = 111.945 -> 111.95 (half up).
    found = compute(MAY_2024, child(2012, custody="shared"), child(2016))
    assert found.gross == rounded(TWO * Decimal("1.5") / 2) == Decimal("111.95")
    assert found.breakdown[0].parameter("average_children") == "1.5"
    both = compute(MAY_2024, child(2012, custody="shared"), child(2016, custody="shared"))
    assert both.gross == rounded(TWO * 1 / 2)


def test_shared_child_majoration_is_halved() -> None:
    # R521-4: the shared 15-year-old's majoration 74.63 / 2 = 37.315 -> 37.32.
    found = compute(MAY_2024, child(2009, custody=Custody.SHARED), child(2012), child(2016))
    three = rounded(BMAF_2024 * Decimal("0.73"))
    assert components(found) == [
        ("base", rounded(three * Decimal("2.5") / 3)),
        ("majoration", rounded(MAJORATION / 2)),
    ]


def test_single_recipient_counts_fully() -> None:
    # R521-2: parents designate one allocataire; the child counts fully for him.
    found = compute(MAY_2024, child(2012, custody="shared_single_recipient"), child(2016))
    assert found.gross == TWO


def test_a_single_shared_child_opens_no_right_in_metropolitan_france() -> None:
    found = compute(MAY_2024, child(2012, custody="shared"))
    assert found.gross == 0
    assert found.breakdown[0].parameter("reason") == "single_child_metropolitan"


def test_complement_under_shared_custody_option() -> None:
    # Complément on the prorated amounts (default) or on the full ones, then prorated.
    family = (child(2012, custody="shared"), child(2016))
    prorated = rounded(T2_TWO * Decimal("1.5") / 2)  # 74.63 x 3/4 = 55.9725 -> 55.97
    default = compute(MAY_2024, *family, resources=75366)
    assert components(default) == [
        ("base", prorated),
        ("complement_degressif", rounded((P1_2024_TWO + 12 * prorated - 75366) / 12)),
    ]
    alternative = compute(
        MAY_2024,
        *family,
        resources=75366,
        options=EntitlementOptions(complement_on_prorated_amounts=False),
    )
    full_complement = rounded((P1_2024_TWO + 12 * T2_TWO - 75366) / 12)  # 41.30
    assert alternative.gross == prorated + rounded(full_complement * Decimal("1.5") / 2)


def test_placed_children() -> None:
    # L521-2 al. 4: a child placed with the allowance paid to the service still counts for
    # n and the ceilings, but his share is not paid to the household (default).
    placed = child(2012, custody="placed_services")
    default = compute(MAY_2024, placed, child(2016))
    assert default.gross == rounded(TWO * 1 / 2)
    kept = compute(
        MAY_2024, placed, child(2016), options=EntitlementOptions(exclude_placed_child_share=False)
    )
    assert kept.gross == TWO
    family_kept = compute(MAY_2024, child(2012, custody="placed_family"), child(2016))
    assert family_kept.gross == TWO
    all_placed = compute(MAY_2024, placed, child(2016, custody="placed_services"))
    assert all_placed.gross == 0
    assert all_placed.breakdown[0].component == "base"
    assert all_placed.breakdown[0].parameter("average_children") == "0"


# -- overseas (LAW.md §9) -------------------------------------------------------------------


@pytest.mark.parametrize("department", ["971", "972", "973", "974", "977", "978"])
def test_overseas_single_child_is_not_means_tested(department: str) -> None:
    # Traps 1 and 3: 5.88 % of BMAF whatever the income; 977 and 978 like 971-974.
    rich = compute(MAY_2024, child(2019), department=department, resources=10_000_000)
    assert rich.gross == rounded(BMAF_2024 * Decimal("0.0588")) == Decimal("27.43")
    assert components(rich) == [("overseas_single_child", Decimal("27.43"))]


def test_overseas_single_child_majorations_at_11_and_16() -> None:
    # D755-5 II: 3.69 % from the month after the 11th birthday, 5.67 % after the 16th.
    single = rounded(BMAF_2024 * Decimal("0.0588"))
    born_first = child(2013, 5, 1)  # 11 on 1 May 2024
    assert compute(Month(2024, 5), born_first, department="974").gross == single
    assert compute(Month(2024, 6), born_first, department="974").gross == single + rounded(
        BMAF_2024 * Decimal("0.0369")
    )
    sixteen = compute(MAY_2024, child(2008, 1, 1), department="974")
    assert sixteen.gross == single + rounded(BMAF_2024 * Decimal("0.0567"))


def test_overseas_two_children_follow_the_mainland_scale_with_complement() -> None:
    # Trap 2: modulation and complément for overseas families with two children.
    found = compute(MAY_2024, child(2012), child(2016), department="971", resources=75366)
    assert found.gross == Decimal("115.93")
    assert [line.component for line in found.breakdown] == ["base", "complement_degressif"]


def test_adding_a_child_can_lower_the_amount_overseas() -> None:
    # Why the "more children never pay less" property is mainland-only: one 17-year-old
    # overseas gets 5.88 % + 5.67 % whatever the income (27.43 + 26.45 = 53.88); with a
    # newborn the family moves to the two-child scale at tranche 3 (8 % = 37.32), where the
    # eldest of two gets no majoration.
    rich = Decimal(1_000_000)
    one = compute(MAY_2024, child(2007), department="971", resources=rich)
    two = compute(MAY_2024, child(2007), child(2024, 1, 1), department="971", resources=rich)
    assert one.gross == rounded(BMAF_2024 * Decimal("0.0588")) + rounded(
        BMAF_2024 * Decimal("0.0567")
    )
    assert two.gross == T3_TWO
    assert two.gross < one.gross


def test_saint_pierre_et_miquelon_is_refused() -> None:
    with pytest.raises(UnsupportedTerritoryError, match=r"'H'.*Saint-Pierre-et-Miquelon \(975\)"):
        compute(MAY_2024, child(2012), child(2016), department="975")


# -- Mayotte (LAW.md §10) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("children", "rate"),
    [
        (1, Decimal("0.0588")),
        (2, Decimal("0.32")),
        (3, Decimal("0.48")),  # 32 + 16
        (4, Decimal("0.5263")),  # 32 + 16 + 4.63
        (5, Decimal("0.5726")),
    ],
)
def test_mayotte_scale_2024(children: int, rate: Decimal) -> None:
    kids = [child(2014 + index) for index in range(children)]
    found = compute(MAY_2024, *kids, department="976", resources=10_000_000)
    assert found.gross == rounded(BMAF_2024 * rate)
    assert found.breakdown[0].component == "mayotte_base"


def test_mayotte_convergence_years() -> None:
    # 2013: one child (rights from 2012) 13.35 %, two children 24.37 %, BMAF 403.79.
    assert compute(Month(2013, 5), child(2012), department="976").gross == rounded(
        Decimal("403.79") * Decimal("0.1335")
    )
    assert compute(Month(2013, 5), child(2010), child(2012), department="976").gross == rounded(
        Decimal("403.79") * Decimal("0.2437")
    )


def test_mayotte_frozen_single_child_amount() -> None:
    # Ordonnance 2002-149 art. 7: the December 2011 amount, frozen (57.28 € per Catala),
    # only while that child is the only child — never added to a larger family (trap 4).
    only = child(2011, 11, 30)
    frozen = compute(MAY_2024, only, department="976", mayotte_child_before_2012=True)
    assert components(frozen) == [("mayotte_frozen_single_child", Decimal("57.28"))]
    two = compute(MAY_2024, only, child(2016), department="976", mayotte_child_before_2012=True)
    assert two.gross == rounded(BMAF_2024 * Decimal("0.32"))
    # A child born in December 2011 was not à charge in December 2011 (R552-2).
    late = compute(MAY_2024, child(2011, 12, 1), department="976", mayotte_child_before_2012=True)
    assert late.gross == rounded(BMAF_2024 * Decimal("0.0588"))
    assert "montant gelé ne s'applique pas" in late.breakdown[0].rule


def test_mayotte_refuses_what_is_not_settled() -> None:
    teen = (child(2008), child(2009))
    with pytest.raises(UnsupportedTerritoryError, match=re.escape("Mayotte (976)")):
        compute(MAY_2024, *teen, department="976")
    with pytest.raises(UnsupportedTerritoryError, match="résidence alternée"):
        compute(MAY_2024, child(2012, custody="shared"), child(2016), department="976")
    with pytest.raises(UnsupportedTerritoryError, match="Mayotte SMIC"):
        compute(MAY_2024, child(2007, monthly_earnings=Decimal(10)), child(2016), department="976")
    base_only = compute(
        MAY_2024,
        *teen,
        department="976",
        options=EntitlementOptions(mayotte=MayottePolicy.BASE_ONLY),
    )
    assert components(base_only) == [
        ("mayotte_base", rounded(BMAF_2024 * Decimal("0.32"))),
        ("mayotte_supplements_not_computed", Decimal("0.00")),
    ]


def test_mayotte_crds_option() -> None:
    family = (child(2012), child(2016))
    withheld = compute(MAY_2024, *family, department="976")
    assert withheld.crds == Decimal("0.74")
    kept = compute(
        MAY_2024, *family, department="976", options=EntitlementOptions(mayotte_crds=False)
    )
    assert (kept.crds, kept.net) == (Decimal("0.00"), kept.gross)
    assert "CRDS non précomptée (Mayotte" in kept.explain()
    assert "CRDS : − 0,74" in " ".join(withheld.explain().split())


# -- the known law -------------------------------------------------------------------------


def test_months_outside_the_known_law_raise() -> None:
    family = (child(2008), child(2009))
    with pytest.raises(
        LawNotInForceError, match=r"2013-03: the known months are 2013-04 to 2026-12"
    ):
        compute(Month(2013, 3), *family)
    with pytest.raises(LawNotInForceError, match=r"2027-01.*extend_last_known=True"):
        compute(Month(2027, 1), *family)
    extended = compute(Month(2027, 1), *family, options=EntitlementOptions(extend_last_known=True))
    assert extended.gross == rounded(Decimal("478.16") * Decimal("0.32")) + rounded(
        Decimal("478.16") * Decimal("0.16")
    )
    assert "derniers paramètres connus prolongés" in extended.explain()
    with pytest.raises(LawNotInForceError, match="2013-03"):
        compute(Month(2013, 3), *family, options=EntitlementOptions(extend_last_known=True))


def test_a_missing_smic_is_needed_only_for_earnings() -> None:
    # The SMIC is known from 2015: a 17-year-old earner in 2014 cannot be judged.
    earner = child(1997, monthly_earnings=Decimal(100))
    assert compute(Month(2014, 5), child(1997), child(2005)).gross > 0
    with pytest.raises(LawNotInForceError, match="smic_hourly has no value on 2014-05-01"):
        compute(Month(2014, 5), earner, child(2005))


def test_wrong_argument_types_raise() -> None:
    household = Household(id="H", department="75", resources=0, children=(child(2016),))
    with pytest.raises(TypeError, match=r"month must be an allocations\.Month"):
        allocations.allocations_familiales(household, "2024-05")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="household must be"):
        allocations.allocations_familiales("H", MAY_2024)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="options must be"):
        allocations.allocations_familiales(household, MAY_2024, options={})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        Household(id="H", department="75", resources=0.5, children=())
    with pytest.raises(TypeError, match=r"EntitlementOptions\.crds_per_component"):
        EntitlementOptions(crds_per_component=1)  # type: ignore[arg-type]
