"""Public holidays by département and TARGET2 closing days, rule by rule.

Sources: CALENDARS.md §2 (L3133-1), §3 (Alsace-Moselle, L3134-13), §4 (overseas, L3422-2),
§5 (days that are not holidays), §7 (TARGET2) and every row of the §9 tricky-dates table.
"""

from __future__ import annotations

import datetime as dt

import pytest

from allocations import (
    TARGET2,
    BusinessCalendar,
    CalendarOptions,
    CalendarRangeError,
    Department,
    HolidayStatus,
    InvalidDepartmentError,
    InvalidInputError,
    department_calendar,
    target2_calendar,
)
from allocations.calendars import (
    FIRST_YEAR,
    HOLIDAY_RULES,
    LAST_YEAR,
    TARGET2_RULES,
    EasterOffset,
    FixedDay,
    HolidayRule,
    easter_sunday,
)

D = dt.date
METROPOLITAN = [
    d.code for d in Department.all() if not d.is_overseas and d.code not in {"57", "67", "68"}
]
ALSACE_MOSELLE = ["57", "67", "68"]
EVERY_CODE = [d.code for d in Department.all()]


def is_holiday(code: str, day: dt.date) -> bool:
    return day in department_calendar(code).holidays(day.year)


# --- Easter (CALENDARS.md §2 "Check values") ----------------------------------------------


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, D(2024, 3, 31)),
        (2025, D(2025, 4, 20)),
        (2026, D(2026, 4, 5)),
        (2027, D(2027, 3, 28)),
        (2042, D(2042, 4, 6)),
        # Extremes of the Gregorian computus: 22 March (2285) and 25 April (2038).
        (2285, D(2285, 3, 22)),
        (2038, D(2038, 4, 25)),
    ],
)
def test_easter_check_values(year: int, easter: dt.date) -> None:
    assert easter_sunday(year) == easter


def test_easter_derived_days_2026() -> None:
    # CALENDARS.md §2: Good Friday E-2, Easter Monday E+1, Ascension E+39, Whit Monday E+50;
    # Mi-Carême E-24 is not a holiday.
    holidays = department_calendar("67").holidays(2026)
    easter = D(2026, 4, 5)
    assert holidays[easter - dt.timedelta(days=2)] == "Vendredi saint"
    assert holidays[easter + dt.timedelta(days=1)] == "Lundi de Pâques"
    assert holidays[easter + dt.timedelta(days=39)] == "Ascension"
    assert holidays[easter + dt.timedelta(days=50)] == "Lundi de Pentecôte"
    assert easter - dt.timedelta(days=24) not in holidays
    assert easter not in holidays  # Easter Sunday is not in the L3133-1 list


def test_easter_out_of_computus_range_is_refused() -> None:
    with pytest.raises(CalendarRangeError, match="1500"):
        easter_sunday(1500)
    with pytest.raises(TypeError, match="'2026'"):
        easter_sunday("2026")  # type: ignore[arg-type]


# --- L3133-1: the 11 national fêtes légales (CALENDARS.md §2) -----------------------------

NATIONAL_2026 = {
    D(2026, 1, 1): "Jour de l'an",
    D(2026, 4, 6): "Lundi de Pâques",
    D(2026, 5, 1): "Fête du Travail",
    D(2026, 5, 8): "Victoire 1945",
    D(2026, 5, 14): "Ascension",
    D(2026, 5, 25): "Lundi de Pentecôte",
    D(2026, 7, 14): "Fête nationale",
    D(2026, 8, 15): "Assomption",
    D(2026, 11, 1): "Toussaint",
    D(2026, 11, 11): "Armistice 1918",
    D(2026, 12, 25): "Noël",
}


@pytest.mark.parametrize("code", [*METROPOLITAN, "975"])
def test_metropolitan_departments_and_975_have_the_eleven_national_days_only(code: str) -> None:
    # L3133-1; 975 Saint-Pierre-et-Miquelon: national only (CALENDARS.md §4 table).
    assert department_calendar(code).holidays(2026) == NATIONAL_2026


@pytest.mark.parametrize("code", EVERY_CODE)
def test_every_territory_has_the_national_days(code: str) -> None:
    # L3133-1 applies in every département including 971-976 and 977, 978 (§2).
    holidays = department_calendar(code).holidays(2026)
    assert NATIONAL_2026.items() <= holidays.items()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(1953, 5, 8), True),  # loi 53-225: 1953-1959
        (D(1959, 5, 8), True),
        (D(1960, 5, 8), False),  # décret 59-533
        (D(1981, 5, 8), False),  # §9: 1981-05-08 Fri, no
        (D(1982, 5, 8), True),  # §9: restored from 1982 (loi 81-893), a Saturday
    ],
)
def test_eight_may_history(day: dt.date, expected: bool) -> None:
    assert is_holiday("75", day) is expected


@pytest.mark.parametrize("year", [2005, 2006, 2007])
def test_whit_monday_stays_a_legal_holiday_in_solidarity_years(year: int) -> None:
    # §2: loi 2004-626 did not amend L3133-1; flag solidarity_day_default for 2005-2007.
    whit_monday = easter_sunday(year) + dt.timedelta(days=50)
    details = {h.date: h for h in department_calendar("75").holiday_details(year)}
    assert details[whit_monday].name == "Lundi de Pentecôte"
    assert details[whit_monday].solidarity_day_default
    assert details[whit_monday].status is HolidayStatus.LEGAL
    assert not department_calendar("75").is_business_day(whit_monday)


def test_solidarity_day_dates_and_the_option() -> None:
    # §2: 2005-05-16, 2006-06-05, 2007-05-28; §9 row 2006-06-05 "yes (solidarity-day default)".
    worked = department_calendar("75", options=CalendarOptions(solidarity_days_closed=False))
    for day in (D(2005, 5, 16), D(2006, 6, 5), D(2007, 5, 28)):
        assert not department_calendar("75").is_business_day(day)
        assert worked.is_business_day(day)
        assert day not in worked.holidays(day.year)
    # Outside 2005-2007 the option changes nothing (2008: "redevenu férié").
    assert not worked.is_business_day(D(2008, 5, 12))
    flagged = [
        h for h in department_calendar("75").holiday_details(2008) if h.solidarity_day_default
    ]
    assert flagged == []


def test_whit_monday_2026_is_a_holiday_but_a_target2_day() -> None:
    # §9: 2026-05-25 Mon, all: yes / TARGET2 open.
    assert all(is_holiday(code, D(2026, 5, 25)) for code in EVERY_CODE)
    assert TARGET2.is_business_day(D(2026, 5, 25))


def test_ascension_2026() -> None:
    # §9: 2026-05-14 Thu, all: yes, TARGET2 open.
    assert all(is_holiday(code, D(2026, 5, 14)) for code in EVERY_CODE)
    assert TARGET2.is_business_day(D(2026, 5, 14))


def test_no_substitute_day_for_a_holiday_on_a_weekend() -> None:
    # §1: a holiday on a Saturday or Sunday is lost; §9: 2025-12-20 Sat (974), 2026-12-26 Sat (57).
    reunion = department_calendar("974")
    assert reunion.holidays(2025)[D(2025, 12, 20)] == "Abolition de l'esclavage"
    assert reunion.is_business_day(D(2025, 12, 22))
    moselle = department_calendar("57")
    assert moselle.holidays(2026)[D(2026, 12, 26)] == "Saint-Étienne"
    assert moselle.is_business_day(D(2026, 12, 28))
    assert not TARGET2.is_business_day(D(2026, 12, 26))


# --- L3134-13: Alsace-Moselle (CALENDARS.md §3) -------------------------------------------


@pytest.mark.parametrize("code", ALSACE_MOSELLE)
def test_alsace_moselle_adds_good_friday_and_26_december(code: str) -> None:
    holidays = department_calendar(code).holidays(2026)
    assert holidays == {
        **NATIONAL_2026,
        D(2026, 4, 3): "Vendredi saint",
        D(2026, 12, 26): "Saint-Étienne",
    }


@pytest.mark.parametrize("code", ["57", "67", "68"])
def test_26_december_2024_in_alsace_moselle(code: str) -> None:
    # §9: 2024-12-26 Thu, 57/67/68: yes, TARGET2 closed.
    assert not department_calendar(code).is_business_day(D(2024, 12, 26))
    assert not TARGET2.is_business_day(D(2024, 12, 26))


@pytest.mark.parametrize("code", ["54", "88", "51", "08", "10", "52", "55", "75"])
def test_grand_est_is_not_alsace_moselle(code: str) -> None:
    # §9: 2024-12-26 in 54, 88, 51, 08, 10, 52, 55, 75: a business day; §11 trap 1 ("GES").
    assert department_calendar(code).is_business_day(D(2024, 12, 26))
    assert department_calendar(code).is_business_day(D(2024, 3, 29))


def test_good_friday_67_vs_75_and_68_vs_971() -> None:
    # §9: 2024-03-29 Fri: 67 yes / 75 no; 2026-04-03 Fri: 68 yes / 971 no (usage only, §5).
    assert is_holiday("67", D(2024, 3, 29))
    assert not is_holiday("75", D(2024, 3, 29))
    assert is_holiday("68", D(2026, 4, 3))
    assert not is_holiday("971", D(2026, 4, 3))
    for code in ("971", "972", "973"):  # §11 trap 2: not a legal holiday overseas
        assert department_calendar(code).is_business_day(D(2026, 4, 3))
    assert not TARGET2.is_business_day(D(2026, 4, 3))


# --- L3422-2: abolition of slavery overseas (CALENDARS.md §4) -----------------------------


@pytest.mark.parametrize(
    ("code", "day", "first_year"),
    [
        ("971", D(2026, 5, 27), 1984),  # §9 2026-05-27 Wed: 971 yes
        ("972", D(2026, 5, 22), 1984),  # §9 2026-05-22 Fri: 972 yes
        ("973", D(2026, 6, 10), 1984),  # §9 2026-06-10 Wed: 973 yes
        ("974", D(2026, 12, 20), 1983),  # décret 83-1003 preceded 20 Dec 1983
        ("976", D(2026, 4, 27), 1984),  # §9 2026-04-27 Mon: 976 yes
    ],
)
def test_abolition_days_from_their_first_year(code: str, day: dt.date, first_year: int) -> None:
    assert department_calendar(code).holidays(2026)[day] == "Abolition de l'esclavage"
    assert is_holiday(code, day.replace(year=first_year))
    assert not is_holiday(code, day.replace(year=first_year - 1))
    if day.weekday() < 5:
        assert TARGET2.is_business_day(day)  # TARGET2 ignores French holidays (§7)
    assert not is_holiday("75", day)


def test_reunion_1983_and_guadeloupe_1983() -> None:
    # §9: 1983-12-20 Tue 974 yes (first year); 1983-05-27 Fri 971 no (starts 1984).
    assert not department_calendar("974").is_business_day(D(1983, 12, 20))
    assert department_calendar("971").is_business_day(D(1983, 5, 27))


def test_reunion_2024_12_20() -> None:
    # §9: 2024-12-20 Fri: 974 yes / 971, 75 no; TARGET2 open.
    assert is_holiday("974", D(2024, 12, 20))
    assert not is_holiday("971", D(2024, 12, 20))
    assert not is_holiday("75", D(2024, 12, 20))
    assert TARGET2.is_business_day(D(2024, 12, 20))


def test_27_may_is_abolition_day_not_resistance_day() -> None:
    # §9 2026-05-27 Wed: 971, 978 yes / 75 no (loi 2013-642: Résistance day "ni fériée ni chômée").
    assert is_holiday("971", D(2026, 5, 27))
    assert is_holiday("978", D(2026, 5, 27))
    assert not is_holiday("75", D(2026, 5, 27))


def test_saint_barthelemy_9_october_from_2012() -> None:
    # §9: 2026-10-09 Fri 977 yes; décret 2012-553.
    holidays = department_calendar("977").holidays(2026)
    assert holidays[D(2026, 10, 9)] == "Abolition de l'esclavage"
    assert D(2026, 5, 27) not in holidays
    assert D(2012, 10, 9) in department_calendar("977").holidays(2012)


def test_saint_barthelemy_before_2012_and_its_uncertain_years() -> None:
    # §4, §9: 27 May 1984-2007 as a commune of 971; 2008-2011 [UNCERTAIN] → option; 2010-10-09 no.
    stbarth = department_calendar("977")
    assert is_holiday("977", D(1984, 5, 27))
    assert not is_holiday("977", D(1983, 5, 27))
    assert is_holiday("977", D(2007, 5, 27))
    details = {h.date: h for h in stbarth.holiday_details(2010)}
    assert details[D(2010, 5, 27)].uncertain
    assert D(2010, 10, 9) not in details
    without = department_calendar(
        "977", options=CalendarOptions(collectivities_may_27_2008_2011=False)
    )
    assert without.is_business_day(D(2010, 5, 27))
    assert D(2007, 5, 27) in without.holidays(2007)
    assert D(2026, 10, 9) in without.holidays(2026)


def test_saint_martin_27_and_28_may() -> None:
    # §4, §9: 2015: 27 May yes / 28 May no; from 2018 both non-business, 28 May "usage" (option).
    stmartin = department_calendar("978")
    assert is_holiday("978", D(2015, 5, 27))
    assert stmartin.is_business_day(D(2015, 5, 28))
    assert stmartin.is_business_day(
        D(2017, 5, 29)
    )  # 2017 still 27 May only (decree said "28 mars")
    assert D(2017, 5, 28) not in stmartin.holidays(2017)
    details = {h.date: h for h in stmartin.holiday_details(2026)}
    assert details[D(2026, 5, 27)].status is HolidayStatus.LEGAL
    assert details[D(2026, 5, 28)].status is HolidayStatus.USAGE
    assert not stmartin.is_business_day(D(2026, 5, 28))
    assert department_calendar("971").is_business_day(D(2026, 5, 28))  # §9 row 2026-05-28: 971 no
    text_only = department_calendar("978", options=CalendarOptions(saint_martin_may_28=False))
    assert text_only.is_business_day(D(2026, 5, 28))
    assert not text_only.is_business_day(D(2026, 5, 27))


def test_saint_martin_gap_years_follow_the_option() -> None:
    # §4: 978 was a commune of 971 until 2007; 2008-2011 as for 977 [UNCERTAIN].
    assert is_holiday("978", D(1990, 5, 27))
    assert is_holiday("978", D(2009, 5, 27))
    without = department_calendar(
        "978", options=CalendarOptions(collectivities_may_27_2008_2011=False)
    )
    assert D(2009, 5, 27) not in without.holidays(2009)


@pytest.mark.parametrize("code", ["971", "972", "978"])
def test_schoelcher_day_and_mi_careme_are_not_holidays(code: str) -> None:
    # §5, §9: 2026-07-21 Tue (Schœlcher, lapsed with loi 83-550); 2026-03-12 Thu (Mi-Carême).
    assert department_calendar(code).is_business_day(D(2026, 7, 21))
    assert department_calendar(code).is_business_day(D(2026, 3, 12))


def test_none_of_the_days_of_section_5_is_a_holiday_in_paris() -> None:
    # §5: 10 May (décret 2006-388), 24 and 31 December, Easter and Whit Sundays are not holidays.
    holidays = department_calendar("75").holidays(2027)
    assert D(2027, 5, 10) not in holidays
    assert D(2027, 12, 24) not in holidays
    assert D(2027, 12, 31) not in holidays


def test_mayotte_has_only_the_legal_days() -> None:
    # §4: Mayotte's Muslim festivals are usage days (lunar), not modelled.
    assert department_calendar("976").holidays(2026) == {
        **NATIONAL_2026,
        D(2026, 4, 27): "Abolition de l'esclavage",
    }


# --- TARGET2 (CALENDARS.md §7) -----------------------------------------------------------


def test_target2_1999_reduced_list() -> None:
    # ECB 3 Sep 1998 and 31 Mar 1999: 1 Jan, 25 Dec, 31 Dec 1999 (§11 trap 5: not the 2000 list).
    assert TARGET2.holidays(1999) == {
        D(1999, 1, 1): "Jour de l'an",
        D(1999, 12, 25): "Noël",
        D(1999, 12, 31): "Passage à l'an 2000",
    }
    assert TARGET2.is_business_day(D(1999, 4, 2))  # Good Friday 1999 was open
    assert not TARGET2.is_business_day(D(1999, 12, 31))  # §9: Y2K day closed


def test_target2_from_2000() -> None:
    # ECB 15 Jul 1999 / 14 Dec 2000: 1 Jan, Good Friday, Easter Monday, 1 May, 25, 26 Dec.
    assert set(TARGET2.holidays(2026)) == {
        D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 1), D(2026, 12, 25), D(2026, 12, 26)
    }  # fmt: skip
    assert set(TARGET2.holidays(2000)) == {
        D(2000, 1, 1), D(2000, 4, 21), D(2000, 4, 24), D(2000, 5, 1), D(2000, 12, 25), D(2000, 12, 26)
    }  # fmt: skip
    assert TARGET2.is_business_day(D(2000, 12, 29))


def test_target2_2001_12_31_is_an_option() -> None:
    # §9: 2001-12-31 Mon closed [UNCERTAIN] → option target2_2001_12_31, default closed.
    assert not TARGET2.is_business_day(D(2001, 12, 31))
    assert TARGET2.holiday_details(2001)[-1].uncertain
    open_calendar = target2_calendar(CalendarOptions(target2_2001_12_31=False))
    assert open_calendar.is_business_day(D(2001, 12, 31))
    assert TARGET2.is_business_day(D(2002, 12, 31))  # 2002 onwards: not a closing day
    assert department_calendar("75").is_business_day(D(1999, 12, 31))  # not a French holiday


def test_target2_ignores_french_holidays() -> None:
    # §7: 8 May, Ascension, Whit Monday, 14 July, 15 Aug, 1 Nov, 11 Nov are TARGET2 open days.
    for day in (D(2024, 5, 8), D(2024, 5, 9), D(2024, 5, 20), D(2025, 7, 14), D(2025, 8, 15)):
        assert TARGET2.is_business_day(day)
    assert all(h.status is HolidayStatus.SETTLEMENT for h in TARGET2.holiday_details(2026))


def test_target2_before_1999_raises() -> None:
    with pytest.raises(CalendarRangeError, match=r"1998.*1999–2200"):
        TARGET2.is_business_day(D(1998, 12, 31))
    with pytest.raises(CalendarRangeError, match="1998"):
        (department_calendar("75") & TARGET2).holidays(1998)


# --- BusinessCalendar arithmetic (§7 and §9 examples) ------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "expected"),
    [
        # §9 "2026-05-26 + 1 business day": 978 → Fri 29 May, 971 → Thu 28 May.
        (department_calendar("978"), D(2026, 5, 26), D(2026, 5, 29)),
        (department_calendar("971"), D(2026, 5, 26), D(2026, 5, 28)),
        # §7, §9 "2024-12-24 + 1": 75 → Thu 26, 57 → Fri 27, TARGET2 → Fri 27.
        (department_calendar("75"), D(2024, 12, 24), D(2024, 12, 26)),
        (department_calendar("57"), D(2024, 12, 24), D(2024, 12, 27)),
        (TARGET2, D(2024, 12, 24), D(2024, 12, 27)),
        (department_calendar("75") & TARGET2, D(2024, 12, 24), D(2024, 12, 27)),
        # §7, §9 "2024-03-28 + 1": 75 → Fri 29 Mar, 57 → Tue 2 Apr, TARGET2 → Tue 2 Apr.
        (department_calendar("75"), D(2024, 3, 28), D(2024, 3, 29)),
        (department_calendar("57"), D(2024, 3, 28), D(2024, 4, 2)),
        (TARGET2, D(2024, 3, 28), D(2024, 4, 2)),
        (department_calendar("75").with_target2(), D(2024, 3, 28), D(2024, 4, 2)),
    ],
)
def test_plus_one_business_day(
    calendar: BusinessCalendar, start: dt.date, expected: dt.date
) -> None:
    assert calendar.add_business_days(start, 1) == expected
    assert calendar.next_business_day(start) == expected
    assert calendar.business_days_between(start, expected) == 1


def test_add_business_days_conventions() -> None:
    paris = department_calendar("75")
    saturday = D(2026, 1, 3)
    # n = 0: the day itself if open, else rolled forward (documented convention).
    assert paris.add_business_days(D(2026, 1, 5), 0) == D(2026, 1, 5)
    assert paris.add_business_days(saturday, 0) == D(2026, 1, 5)
    # A closed day is rolled forward first, then moved (numpy.busday_offset, roll="forward").
    assert paris.add_business_days(saturday, 1) == D(2026, 1, 6)
    assert paris.add_business_days(saturday, -1) == D(2026, 1, 2)
    # Across a year end: Wed 31 Dec 2025 + 1 = Fri 2 Jan 2026 (1 Jan closed); back again.
    assert paris.add_business_days(D(2025, 12, 31), 1) == D(2026, 1, 2)
    assert paris.add_business_days(D(2026, 1, 2), -1) == D(2025, 12, 31)
    # 2026 in Paris: 261 weekdays (365 days from a Thursday) minus the 9 holidays on weekdays
    # (15 Aug is a Saturday, 1 Nov a Sunday) = 252 jours ouvrés.
    weekday_holidays = [d for d in NATIONAL_2026 if d.weekday() < 5]
    assert len(weekday_holidays) == 9
    assert paris.business_days_between(D(2026, 1, 1), D(2027, 1, 1)) == 261 - 9
    # 1 Jan 2026 is closed: rolled to Fri 2 Jan (index 0), + 252 → the first of 2027, Mon 4 Jan.
    assert paris.add_business_days(D(2026, 1, 1), 261 - 9) == D(2027, 1, 4)
    assert paris.business_days_between(D(2027, 1, 1), D(2026, 1, 1)) == -(261 - 9)


def test_business_days_between_counts_the_half_open_interval() -> None:
    paris = department_calendar("75")
    # [Fri 3 Apr, Wed 8 Apr 2026): Fri 3 and Tue 7 (Sat, Sun, Easter Monday closed).
    assert paris.business_days_between(D(2026, 4, 3), D(2026, 4, 8)) == 2
    assert paris.business_days_between(D(2026, 4, 8), D(2026, 4, 3)) == -2
    assert paris.business_days_between(D(2026, 4, 4), D(2026, 4, 4)) == 0
    # Across several years the count is additive.
    assert paris.business_days_between(D(2025, 1, 1), D(2027, 1, 1)) == paris.business_days_between(
        D(2025, 1, 1), D(2026, 1, 1)
    ) + paris.business_days_between(D(2026, 1, 1), D(2027, 1, 1))


def test_previous_and_next_business_day() -> None:
    moselle = department_calendar("57")
    # Easter 2026 in Moselle: Good Friday 3 and Easter Monday 6 closed.
    assert moselle.previous_business_day(D(2026, 4, 7)) == D(2026, 4, 2)
    assert moselle.next_business_day(D(2026, 4, 2)) == D(2026, 4, 7)
    assert moselle.previous_business_day(D(2026, 1, 2)) == D(2025, 12, 31)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Sun 31 May 2026: following leaves the month → Fri 29 May.
        (D(2026, 5, 31), {"following": D(2026, 6, 1), "preceding": D(2026, 5, 29),
                          "modified-following": D(2026, 5, 29), "modified-preceding": D(2026, 5, 29),
                          "nearest": D(2026, 6, 1)}),
        # Sat 1 Aug 2026: preceding leaves the month → Mon 3 Aug.
        (D(2026, 8, 1), {"following": D(2026, 8, 3), "preceding": D(2026, 7, 31),
                         "modified-following": D(2026, 8, 3), "modified-preceding": D(2026, 8, 3),
                         "nearest": D(2026, 7, 31)}),
        # A business day is returned unchanged by every convention.
        (D(2026, 8, 4), {"following": D(2026, 8, 4), "preceding": D(2026, 8, 4),
                         "modified-following": D(2026, 8, 4), "modified-preceding": D(2026, 8, 4),
                         "nearest": D(2026, 8, 4)}),
    ],
)  # fmt: skip
def test_roll_conventions(day: dt.date, expected: dict[str, dt.date]) -> None:
    from allocations import Roll

    paris = department_calendar("75")
    for convention in Roll:
        assert paris.roll(day, convention) == expected[convention.value], convention


def test_roll_nearest_ties_and_weekends() -> None:
    from allocations import Roll, Tie

    target = department_calendar("75") & TARGET2
    # Sat → Fri before, Sun → Mon after (CNAF wording, LAW.md §12).
    assert target.roll(D(2026, 9, 5), Roll.NEAREST) == D(2026, 9, 4)
    assert target.roll(D(2026, 7, 5), Roll.NEAREST) == D(2026, 7, 6)
    # Sun 5 Jun 2022, Whit Monday 6: Fri 3 and Tue 7 equally near → the tie rule decides.
    assert target.roll(D(2022, 6, 5), Roll.NEAREST) == D(2022, 6, 3)
    assert target.roll(D(2022, 6, 5), Roll.NEAREST, tie=Tie.EARLIER) == D(2022, 6, 3)
    assert target.roll(D(2022, 6, 5), Roll.NEAREST, tie=Tie.LATER) == D(2022, 6, 7)
    # Sun 5 Apr 2026: Fri 3 is Good Friday (TARGET2 closed) → Tue 7 is nearer than Thu 2.
    assert target.roll(D(2026, 4, 5), Roll.NEAREST) == D(2026, 4, 7)
    # Without TARGET2, Paris's Good Friday is open: Fri 3 is nearer than Tue 7.
    assert department_calendar("75").roll(D(2026, 4, 5), Roll.NEAREST) == D(2026, 4, 3)


def test_day_kinds() -> None:
    from allocations import DayKind

    ouvrable = department_calendar("75", day_kind=DayKind.OUVRABLE)
    assert ouvrable.day_kind is DayKind.OUVRABLE
    assert department_calendar("75").day_kind is DayKind.OUVRE
    assert ouvrable.is_business_day(D(2026, 1, 3))  # Saturday: jour ouvrable
    assert not ouvrable.is_business_day(D(2026, 1, 4))  # Sunday
    assert not ouvrable.is_business_day(D(2026, 8, 15))  # Assomption on a Saturday
    assert not department_calendar("75").is_business_day(D(2026, 1, 3))
    # TARGET2 closes Saturdays whatever the département's day kind.
    assert not (ouvrable & TARGET2).is_business_day(D(2026, 1, 3))
    assert (ouvrable & TARGET2).day_kind is DayKind.OUVRE
    # Whit Monday 2026 + 1 jour ouvrable from Saturday 23 May: Tue 26 (Sun, Mon closed).
    assert ouvrable.add_business_days(D(2026, 5, 23), 1) == D(2026, 5, 26)


def test_calendars_are_values_and_shared() -> None:
    assert department_calendar("67") is department_calendar(Department("67"))
    assert department_calendar("67") & TARGET2 is department_calendar("67").with_target2()
    combined = department_calendar("67") & TARGET2
    assert combined & TARGET2 is combined  # idempotent
    assert combined.name == "67 & TARGET2"
    assert combined.first_year == 1999
    assert combined.last_year == LAST_YEAR
    assert department_calendar("67") != department_calendar("68")
    assert hash(department_calendar("67")) == hash(department_calendar("67"))
    assert "Bas-Rhin (67)" in repr(department_calendar("67"))
    assert department_calendar("67").__and__("TARGET2") is NotImplemented


def test_intersection_keeps_the_departement_name_for_shared_days() -> None:
    combined = department_calendar("67") & TARGET2
    holidays = combined.holidays(2026)
    assert holidays[D(2026, 4, 3)] == "Vendredi saint"
    assert holidays[D(2026, 12, 26)] == "Saint-Étienne"
    # Paris & TARGET2 closes on Good Friday with TARGET2's record.
    details = {h.date: h for h in (department_calendar("75") & TARGET2).holiday_details(2026)}
    assert details[D(2026, 4, 3)].status is HolidayStatus.SETTLEMENT


def test_holidays_listing_in_french_and_english() -> None:
    alsace = department_calendar("67")
    assert alsace.holidays_listing(2026)[1] == (
        D(2026, 4, 3),
        "vendredi 3 avril 2026",
        "Vendredi saint",
    )
    assert alsace.holidays_listing(2026, locale="en_GB")[-1] == (
        D(2026, 12, 26),
        "Saturday, 26 December 2026",
        "St Stephen's Day",
    )
    assert alsace.holidays_listing(2026, locale="fr_CA")[0][2] == "Jour de l'an"
    with pytest.raises(InvalidInputError, match="'de_DE'"):
        alsace.holidays_listing(2026, locale="de_DE")
    with pytest.raises(InvalidInputError, match="'xx_YY'"):
        alsace.holidays_listing(2026, locale="xx_YY")
    with pytest.raises(TypeError, match="None"):
        alsace.holidays_listing(2026, locale=None)  # type: ignore[arg-type]


def test_holidays_returns_a_fresh_dict() -> None:
    holidays = department_calendar("75").holidays(2026)
    holidays.clear()
    assert len(department_calendar("75").holidays(2026)) == 11


# --- bad input (typed errors naming the value) -------------------------------------------


@pytest.mark.parametrize("code", ["20", "2a0", "96", "984", "6AE"])
def test_unknown_codes_are_refused(code: str) -> None:
    # §6: "20" is not a département; Collectivité européenne d'Alsace (6AE) is not one either.
    with pytest.raises(InvalidDepartmentError, match=repr(code)):
        department_calendar(code)


def test_wrong_types_are_refused_naming_the_value() -> None:
    paris = department_calendar("75")
    with pytest.raises(TypeError, match="datetime"):
        paris.is_business_day(dt.datetime(2026, 1, 5, 12, 0))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'2026-01-05'"):
        paris.is_business_day("2026-01-05")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'1'"):
        paris.add_business_days(D(2026, 1, 5), "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="True"):
        paris.add_business_days(D(2026, 1, 5), True)
    with pytest.raises(TypeError, match="20260105"):
        paris.business_days_between(20260105, D(2026, 1, 5))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'following'"):
        paris.roll(D(2026, 1, 3), "following")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'2026'"):
        paris.holidays("2026")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="67"):
        department_calendar(67)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'ouvré'"):
        department_calendar("67", day_kind="ouvré")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="options"):
        department_calendar("67", options={})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="options"):
        target2_calendar(options=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'yes'"):
        CalendarOptions(saint_martin_may_28="yes")  # type: ignore[arg-type]


def test_a_date_subclass_is_accepted() -> None:
    class MyDate(dt.date):
        pass

    assert not department_calendar("75").is_business_day(MyDate(2026, 1, 1))
    assert department_calendar("75").add_business_days(MyDate(2026, 1, 1), 0) == D(2026, 1, 2)


@pytest.mark.parametrize("year", [FIRST_YEAR - 1, LAST_YEAR + 1, 1, 9999])
def test_years_outside_the_rules_raise_naming_year_and_range(year: int) -> None:
    paris = department_calendar("75")
    with pytest.raises(CalendarRangeError, match=rf"{year}.*1950–2200"):
        paris.holidays(year)
    with pytest.raises(CalendarRangeError, match=str(year)):
        paris.is_business_day(D(year, 6, 1))
    with pytest.raises(CalendarRangeError, match=str(year)):
        paris.add_business_days(D(year, 6, 1), 1)


def test_arithmetic_at_the_edges_of_the_range() -> None:
    paris = department_calendar("75")
    assert paris.is_business_day(D(LAST_YEAR, 12, 29))
    with pytest.raises(CalendarRangeError, match=str(LAST_YEAR + 1)):
        paris.add_business_days(D(LAST_YEAR, 12, 29), 10)
    with pytest.raises(CalendarRangeError, match=str(FIRST_YEAR - 1)):
        paris.previous_business_day(D(FIRST_YEAR, 1, 2))


# --- the rules are data ------------------------------------------------------------------


def test_every_rule_has_a_legal_basis_and_sane_years() -> None:
    for rule in HOLIDAY_RULES + TARGET2_RULES:
        assert rule.legal_basis.strip(), rule
        assert rule.last_year is None or rule.first_year <= rule.last_year, rule
        assert isinstance(rule.when, FixedDay | EasterOffset)


def test_a_rule_option_must_be_a_calendar_option() -> None:
    with pytest.raises(ValueError, match="'no_such_option'"):
        HolidayRule("X", "X", FixedDay(1, 2), 2000, None, "none", option="no_such_option")


def test_no_two_rows_give_one_territory_two_days_on_the_same_date() -> None:
    # Each (territory, year, date) has at most one legal row (no double counting).
    for code in EVERY_CODE:
        for year in (1953, 1983, 1984, 2005, 2010, 2012, 2018, 2026):
            details = department_calendar(code).holiday_details(year)
            assert len({h.date for h in details}) == len(details)


def test_a_fixed_day_must_exist_every_year() -> None:
    with pytest.raises(ValueError, match=r"FixedDay\(2, 29\)"):
        FixedDay(2, 29)
    with pytest.raises(ValueError, match=r"FixedDay\(13, 1\)"):
        FixedDay(13, 1)


def test_fixed_days_after_february_in_leap_years() -> None:
    # Day indices are counted in a common year and shifted after February in leap years.
    for year in (2000, 2024, 2100):  # 2000 and 2024 are leap years, 2100 is not
        easter = easter_sunday(year)
        fixed = {
            D(year, m, d)
            for m, d in (
                (1, 1),
                (5, 1),
                (5, 8),
                (7, 14),
                (8, 15),
                (11, 1),
                (11, 11),
                (12, 25),
                (12, 26),
            )
        }
        movable = {easter + dt.timedelta(days=k) for k in (-2, 1, 39, 50)}
        assert set(department_calendar("57").holidays(year)) == fixed | movable
        for day in fixed | movable:
            assert not department_calendar("57").is_business_day(day)
        assert department_calendar("57").is_business_day(D(year, 12, 24)) is (
            D(year, 12, 24).weekday() < 5
        )


def test_intersection_is_commutative_in_business_days() -> None:
    left, right = department_calendar("67") & TARGET2, TARGET2 & department_calendar("67")
    assert left.name == "67 & TARGET2"
    assert right.name == "TARGET2 & 67"
    for year in (1999, 2026, 2100):
        assert set(left.holidays(year)) == set(right.holidays(year))
        start = D(year, 1, 1)
        assert all(
            left.is_business_day(start + dt.timedelta(days=i))
            == right.is_business_day(start + dt.timedelta(days=i))
            for i in range(365)
        )


def test_codes_are_parsed_as_department_parses_them() -> None:
    # CALENDARS.md §6 would refuse "2a"; Department (territory.py) accepts the usual spellings
    # and stores the canonical code, and the calendar follows it.
    assert department_calendar("2a") is department_calendar("2A")
    assert department_calendar("1") is department_calendar("01")
