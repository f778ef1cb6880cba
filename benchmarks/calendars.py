"""Calendar benchmarks: print per-call figures (no assertions; the machine is shared).

Run: ``.venv/bin/python benchmarks/calendars.py`` (about 10 s). Each figure is the best of
several repeats of a :mod:`timeit` loop, divided by the number of calls; loop overhead is
included, so the figures slightly overstate the cost of a call.

Targets (issue 2): ``is_business_day`` ≤ 0.15 µs, ``add_business_days`` (|n| ≤ 30) ≤ 1 µs,
a département's calendar for a new year ≤ 50 µs.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import timeit
from collections.abc import Callable

import attrs

from allocations import TARGET2, BusinessCalendar, Month, Roll, department_calendar, payment_date
from allocations.calendars import easter_sunday

REPEATS = 7


def best_per_call(statement: Callable[[], object], calls: int, number: int = 1) -> float:
    """Best seconds per call over ``REPEATS`` runs of ``statement`` (which makes ``calls`` calls)."""
    times = timeit.repeat(statement, number=number, repeat=REPEATS)
    return min(times) / (calls * number)


def report(name: str, seconds: float, target: str = "") -> None:
    suffix = f"   (target {target})" if target else ""
    print(f"{name:<58} {seconds * 1e6:8.3f} µs per call{suffix}")


def main() -> int:
    rng = random.Random(20260405)
    alsace = department_calendar("67")
    settlement = alsace & TARGET2
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(365)) for _ in range(10_000)]
    steps = [rng.randint(-30, 30) for _ in days]
    pairs = list(zip(days, steps, strict=True))
    for calendar in (alsace, settlement):  # years computed once, as in a long payment run
        calendar.is_business_day(days[0])

    def loop_is_business_day(calendar: BusinessCalendar) -> Callable[[], None]:
        def loop() -> None:
            is_business_day = calendar.is_business_day
            for day in days:
                is_business_day(day)

        return loop

    def loop_add_business_days() -> None:
        add = alsace.add_business_days
        for day, n in pairs:
            add(day, n)

    def loop_business_days_between() -> None:
        between = alsace.business_days_between
        for day, n in pairs:
            between(day, day + dt.timedelta(days=n))

    def loop_roll_nearest() -> None:
        roll = settlement.roll
        for day in days[:2000]:
            roll(day, Roll.NEAREST)

    print(f"Python {sys.version.split()[0]}; best of {REPEATS} repeats")
    report(
        "is_business_day (67, warm year)",
        best_per_call(loop_is_business_day(alsace), len(days), 20),
        "≤ 0.15 µs",
    )
    report(
        "is_business_day (67 & TARGET2, warm year)",
        best_per_call(loop_is_business_day(settlement), len(days), 20),
    )
    report(
        "add_business_days(d, n), |n| ≤ 30 (67)",
        best_per_call(loop_add_business_days, len(pairs), 5),
        "≤ 1 µs",
    )
    report(
        "business_days_between(d, d ± 30 days) (67)",
        best_per_call(loop_business_days_between, len(pairs), 5),
    )
    report("roll(d, Roll.NEAREST) (67 & TARGET2)", best_per_call(loop_roll_nearest, 2000, 5))

    years = range(1950, 2201)

    def new_years() -> None:
        # attrs.evolve gives a fresh calendar object (same rules, empty caches); each of the
        # 251 years is then new to it.
        calendar = attrs.evolve(alsace)
        for year in years:
            calendar.is_business_day(dt.date(year, 6, 1))

    def new_years_cold_easter() -> None:
        easter_sunday.cache_clear()
        new_years()

    def fresh_calendar_first_year() -> None:
        for year in years:
            attrs.evolve(alsace).is_business_day(dt.date(year, 6, 1))

    report(
        "département calendar for a new year (67)", best_per_call(new_years, len(years)), "≤ 50 µs"
    )
    report("  … Easter cache cleared first", best_per_call(new_years_cold_easter, len(years)))
    report(
        "  … a fresh calendar object and its first year",
        best_per_call(fresh_calendar_first_year, len(years)),
    )

    months = [Month(2026, number) for number in range(1, 13)]
    codes = ["75", "67", "974", "978"]

    def loop_payment_date() -> None:
        for code in codes:
            for month in months:
                payment_date(month, code)

    report("payment_date(month, code) (calendars warm)", best_per_call(loop_payment_date, 48, 50))
    return 0


if __name__ == "__main__":
    sys.exit(main())
