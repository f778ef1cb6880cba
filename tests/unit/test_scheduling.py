"""CAF payment dates (LAW.md §12, CALENDARS.md §8 and §10).

Every published date of LAW.md §12 (CNAF calendars via moneyvox/weka, cbanque,
francetransactions, linternaute) and every edge case of CALENDARS.md §10, column B
("nearest day that is both a jour ouvré and a TARGET2 day, tie → earlier") for the
"nearest" periods and column "next" for Nov 2019–Jun 2021.
"""

from __future__ import annotations

import datetime as dt

import pytest

from allocations import (
    CAF_PAYMENT_SCHEDULE,
    TARGET2,
    CalendarOptions,
    CalendarRangeError,
    Department,
    InvalidDepartmentError,
    InvalidInputError,
    LawNotInForceError,
    Month,
    PaymentDateRule,
    PaymentSchedule,
    Roll,
    Tie,
    department_calendar,
    payment_date,
)

D = dt.date

# LAW.md §12 "Published payment dates (benefit month → paid)" [official].
PUBLISHED = {
    "2019-12": D(2020, 1, 6),  # Sun 5 Jan 2020 → Mon 6 ("next" regime)
    "2020-03": D(2020, 4, 6),  # Sun 5 → Mon 6
    "2020-06": D(2020, 7, 6),  # Sun 5 → Mon 6
    "2020-08": D(2020, 9, 7),  # Sat 5 → Mon 7: the "next" regime (arrêté 28 Oct 2019)
    "2020-11": D(2020, 12, 7),  # Sat 5 → Mon 7: "next"
    "2023-01": D(2023, 2, 6),  # Sun 5 → Mon 6
    "2023-02": D(2023, 3, 6),  # Sun 5 → Mon 6
    "2023-07": D(2023, 8, 4),  # Sat 5 → Fri 4
    "2023-10": D(2023, 11, 6),  # Sun 5 → Mon 6
    "2024-04": D(2024, 5, 6),  # Sun 5 → Mon 6
    "2024-09": D(2024, 10, 4),  # Sat 5 → Fri 4
    "2024-12": D(2025, 1, 6),  # Sun 5 → Mon 6
    "2025-01": D(2025, 2, 5),
    "2025-02": D(2025, 3, 5),
    "2025-03": D(2025, 4, 4),  # Sat 5 → Fri 4
    "2025-04": D(2025, 5, 5),
    "2025-05": D(2025, 6, 5),
    "2025-06": D(2025, 7, 4),  # Sat 5 → Fri 4
    "2025-07": D(2025, 8, 5),
    "2025-08": D(2025, 9, 5),
    "2025-09": D(2025, 10, 6),  # Sun 5 → Mon 6
    "2025-10": D(2025, 11, 5),
    "2025-11": D(2025, 12, 5),
    "2025-12": D(2026, 1, 5),
    "2026-01": D(2026, 2, 5),
    "2026-02": D(2026, 3, 5),
    "2026-03": D(2026, 4, 7),  # Sun 5 + Easter Monday 6 → Tue 7
    "2026-04": D(2026, 5, 5),
    "2026-05": D(2026, 6, 5),
    "2026-06": D(2026, 7, 6),  # Sun 5 → Mon 6
    "2026-07": D(2026, 8, 5),
    "2026-08": D(2026, 9, 4),  # Sat 5 → Fri 4
    "2026-09": D(2026, 10, 5),
    "2026-10": D(2026, 11, 5),
    "2026-11": D(2026, 12, 4),  # Sat 5 → Fri 4
    "2026-12": D(2027, 1, 5),
}

# One calendar for all 101 CAF (LAW.md §12): check a département of each family.
SAMPLE = [
    "75",
    "54",
    "57",
    "67",
    "68",
    "2A",
    "971",
    "972",
    "973",
    "974",
    "975",
    "976",
    "977",
    "978",
]


@pytest.mark.parametrize(("month", "paid"), PUBLISHED.items())
@pytest.mark.parametrize("code", SAMPLE)
def test_published_payment_dates(month: str, paid: dt.date, code: str) -> None:
    assert payment_date(Month.parse(month), code) == paid


@pytest.mark.parametrize(
    ("month", "paid"),
    [
        # CALENDARS.md §10, column B (the chosen rule) in the "nearest" periods.
        ("2005-04", D(2005, 5, 4)),  # Ascension on Thu 5 May 2005: Wed 4 / Fri 6 tie → Wed 4
        ("2006-05", D(2006, 6, 6)),  # Whit Monday 5 Jun 2006 stays a fête légale → Tue 6
        ("2010-03", D(2010, 4, 6)),  # Easter Monday 5 Apr 2010 → Tue 6
        ("2015-03", D(2015, 4, 7)),  # Sun 5, Easter Monday 6, Good Friday 3 → Tue 7
        ("2016-04", D(2016, 5, 4)),  # Ascension on Thu 5 May 2016 → Wed 4
        ("2017-05", D(2017, 6, 6)),  # Whit Monday 5 Jun 2017 → Tue 6
        ("2022-05", D(2022, 6, 3)),  # Sun 5, Whit Monday 6: tie → Fri 3 (Que Choisir)
        ("2028-05", D(2028, 6, 6)),  # Whit Monday 5 Jun 2028 → Tue 6
        ("2033-05", D(2033, 6, 3)),  # Sun 5, Whit Monday 6 → Fri 3
        ("2037-03", D(2037, 4, 7)),  # Sun 5, Easter Monday 6, Good Friday 3 → Tue 7
        ("2042-03", D(2042, 4, 3)),  # Sat 5, Good Friday Fri 4 (TARGET2 closed) → Thu 3
        ("2044-05", D(2044, 6, 3)),  # Sun 5, Whit Monday 6 → Fri 3
        ("2048-03", D(2048, 4, 7)),  # Sun 5, Easter Monday 6, Good Friday 3 → Tue 7
        ("2053-03", D(2053, 4, 3)),  # Sat 5, Good Friday Fri 4 → Thu 3
        # §10 column "next" (arrêté 28 Oct 2019): Easter Monday 5 Apr 2021 → Tue 6.
        ("2021-03", D(2021, 4, 6)),
        # §10 "Also": Sat 5 Apr 2064 with Good Friday on Fri 4 → Thu 3 (TARGET2-aware).
        ("2064-03", D(2064, 4, 3)),
        # §10 "Also": Good Friday on the 5th (2075, 2080): TARGET2 closed → Thu 4 (Mon 8 is
        # Easter Monday, so Thu 4 is nearer than Tue 9).
        ("2075-03", D(2075, 4, 4)),
        ("2080-03", D(2080, 4, 4)),
        # §10 "Ordinary cases": Sat 5 → Fri 4, Sun 5 → Mon 6.
        ("2023-07", D(2023, 8, 4)),
        ("2024-09", D(2024, 10, 4)),
        ("2026-08", D(2026, 9, 4)),
        ("2023-01", D(2023, 2, 6)),
        ("2024-04", D(2024, 5, 6)),
        ("2025-09", D(2025, 10, 6)),
    ],
)
@pytest.mark.parametrize("code", SAMPLE)
def test_edge_cases_of_calendars_section_10(month: str, paid: dt.date, code: str) -> None:
    assert payment_date(Month.parse(month), code) == paid


def test_good_friday_on_the_5th_is_a_holiday_or_only_a_target2_day() -> None:
    # CALENDARS.md §10: Good Friday 5 Apr 2075 is a jour ouvré in 75, a holiday in 57, a TARGET2
    # closing day: with TARGET2 both départements agree.
    good_friday = D(2075, 4, 5)
    assert department_calendar("75").is_business_day(good_friday)
    assert not department_calendar("57").is_business_day(good_friday)
    assert not TARGET2.is_business_day(good_friday)


def test_the_rule_is_chosen_by_the_nominal_date() -> None:
    # LAW.md §12 periods: 1994 nearest until 7 Nov 2019, "next" from 8 Nov 2019, nearest from
    # 2 Jun 2021 (documented switch date).
    assert CAF_PAYMENT_SCHEDULE.rule_for(Month(2019, 10)).roll is Roll.NEAREST  # 5 Nov 2019
    assert CAF_PAYMENT_SCHEDULE.rule_for(Month(2019, 11)).roll is Roll.FOLLOWING  # 5 Dec 2019
    assert CAF_PAYMENT_SCHEDULE.rule_for(Month(2021, 4)).roll is Roll.FOLLOWING  # 5 May 2021
    assert CAF_PAYMENT_SCHEDULE.rule_for(Month(2021, 5)).roll is Roll.NEAREST  # 5 Jun 2021
    # Sat 5 Jun 2021 is after the 2 Jun switch: nearest → Fri 4 (under "next" it would be Mon 7).
    assert payment_date(Month(2021, 5), "75") == D(2021, 6, 4)
    # Sat 5 Oct 2019, still the 1994 rule → Fri 4; Sat 5 Dec 2020 under "next" → Mon 7.
    assert payment_date(Month(2019, 9), "75") == D(2019, 10, 4)
    assert payment_date(Month(2020, 11), "75") == D(2020, 12, 7)


def test_before_target_the_departement_calendar_alone_applies() -> None:
    # TARGET started in 1999 (ECB): in 1996, Good Friday Fri 5 Apr is open in Paris, closed in
    # Alsace-Moselle (L3134-13) → Paris pays Fri 5, Bas-Rhin pays the nearest open day, Thu 4.
    assert payment_date(Month(1996, 3), "75") == D(1996, 4, 5)
    assert payment_date(Month(1996, 3), "67") == D(1996, 4, 4)
    assert CAF_PAYMENT_SCHEDULE.rule_for(Month(1996, 3)).settlement is None


def test_months_before_the_1994_arrete_are_not_known() -> None:
    with pytest.raises(LawNotInForceError, match="1994-05"):
        payment_date(Month(1994, 5), "75")
    assert payment_date(Month(1994, 6), "75") == D(1994, 7, 5)  # Tue 5 Jul 1994


def test_months_beyond_the_calendars_raise() -> None:
    assert payment_date(Month(2199, 12), "75") == D(2200, 1, 6)  # Sun 5 Jan 2200 → Mon 6
    with pytest.raises(CalendarRangeError, match="2201"):
        payment_date(Month(2200, 12), "75")


def test_a_caller_can_pass_a_rule() -> None:
    later = PaymentDateRule(tie=Tie.LATER, legal_basis="tie → later (CALENDARS.md §10 A)")
    assert payment_date(Month(2022, 5), "75", rule=later) == D(2022, 6, 7)
    no_target2 = PaymentDateRule(settlement=None)
    # §10 column A: Sat 5 Apr 2042, national calendar only → Fri 4 (Good Friday is open in 75).
    assert payment_date(Month(2042, 3), "75", rule=no_target2) == D(2042, 4, 4)
    # … and column C: Alsace-Moselle → Thu 3.
    assert payment_date(Month(2042, 3), "57", rule=no_target2) == D(2042, 4, 3)
    msa = PaymentDateRule(day_of_month=9, roll=Roll.FOLLOWING)  # LAW.md §12: MSA unsettled
    assert payment_date(Month(2026, 4), "75", rule=msa) == D(2026, 5, 11)  # Sat 9 → Mon 11
    worked = PaymentDateRule(options=CalendarOptions(solidarity_days_closed=False))
    # §10: Whit Monday 5 Jun 2006 "Mon 5 if treated as worked".
    assert payment_date(Month(2006, 5), "75", rule=worked) == D(2006, 6, 5)


def test_a_rule_out_of_its_validity_raises() -> None:
    old = PaymentDateRule(valid_from=D(1994, 6, 29), valid_until=D(2019, 11, 7))
    assert payment_date(Month(2010, 3), "75", rule=old) == D(2010, 4, 6)
    with pytest.raises(LawNotInForceError, match="2026-03"):
        payment_date(Month(2026, 3), "75", rule=old)
    assert old.apply(Month(2026, 3), "75") == D(2026, 4, 7)


def test_a_caller_can_pass_a_schedule() -> None:
    schedule = PaymentSchedule(
        [
            PaymentDateRule(valid_until=D(2020, 12, 31), roll=Roll.PRECEDING),
            PaymentDateRule(valid_from=D(2021, 1, 1), roll=Roll.FOLLOWING),
        ]
    )
    assert payment_date(Month(2020, 8), "75", schedule=schedule) == D(2020, 9, 4)
    assert payment_date(Month(2026, 8), "75", schedule=schedule) == D(2026, 9, 7)


def test_schedules_must_be_ordered_without_overlap() -> None:
    a = PaymentDateRule(legal_basis="a", valid_until=D(2020, 12, 31))
    b = PaymentDateRule(legal_basis="b", valid_from=D(2020, 12, 31))
    with pytest.raises(InvalidInputError, match=r"'a'.*overlaps.*'b'"):
        PaymentSchedule((a, b))
    with pytest.raises(InvalidInputError, match="overlap"):
        PaymentSchedule((PaymentDateRule(), PaymentDateRule()))
    with pytest.raises(InvalidInputError, match="at least one"):
        PaymentSchedule(())
    with pytest.raises(TypeError, match="'rule'"):
        PaymentSchedule(("rule",))  # type: ignore[arg-type]


def test_rule_fields_are_validated() -> None:
    with pytest.raises(InvalidInputError, match="31"):
        PaymentDateRule(day_of_month=31)
    with pytest.raises(TypeError, match="'5'"):
        PaymentDateRule(day_of_month="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="nearest"):
        PaymentDateRule(roll="nearest")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'TARGET2'"):
        PaymentDateRule(settlement="TARGET2")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="valid_from"):
        PaymentDateRule(valid_from=dt.datetime(2020, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="before valid_from"):
        PaymentDateRule(valid_from=D(2021, 1, 1), valid_until=D(2020, 1, 1))


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(TypeError, match="'2026-03'"):
        payment_date("2026-03", "75")  # type: ignore[arg-type]
    with pytest.raises(InvalidDepartmentError, match="'20'"):
        payment_date(Month(2026, 3), "20")
    with pytest.raises(TypeError, match="75"):
        payment_date(Month(2026, 3), 75)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rule"):
        payment_date(Month(2026, 3), "75", rule="nearest")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="schedule"):
        payment_date(Month(2026, 3), "75", schedule=())  # type: ignore[arg-type]
    assert payment_date(Month(2026, 3), Department("67")) == D(2026, 4, 7)
