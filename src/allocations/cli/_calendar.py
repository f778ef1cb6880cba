"""``allocations calendar``: a département's public holidays and the year's payment dates.

``--format json`` prints exactly::

    {"department": "67", "year": 2026,
     "holidays": [{"date": "2026-01-01", "name": "Jour de l'an"}, ...],
     "payment_dates": [{"month": "2026-01", "date": "2026-02-05"}, ...]}

``payment_dates`` are those of the **12 benefit months of the year** (January–December), each
paid in the following month — so the December line is a date of the next year.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import textwrap
from collections.abc import Sequence
from typing import Any

from allocations.calendars import LAST_YEAR, department_calendar
from allocations.cli import EXIT_OK, UsageError
from allocations.errors import CalendarRangeError, InvalidDepartmentError, InvalidInputError
from allocations.periods import Month
from allocations.scheduling import CAF_PAYMENT_SCHEDULE, payment_date
from allocations.territory import Department

__all__ = ["register"]

#: Benefit years whose 12 payment dates are known: the first full year of the 1994 arrêté,
#: up to the year whose December is paid within the calendars' last year.
FIRST_BENEFIT_YEAR = 1995
LAST_BENEFIT_YEAR = LAST_YEAR - 1

_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Calendrier {year} — {department} ({code})",
        "holidays": "Jours fériés ({count})",
        "date": "Date",
        "holiday": "Jour férié",
        "payments": "Dates de paiement des prestations des mois de {year} (versées le mois suivant)",
        "month": "Mois de droit",
        "paid": "Date de paiement",
        "note": "Remarque",
        "moved": "au lieu du {date}",
        "footer": "Jours de paiement : jours ouvrés du département et de TARGET2 ; "
        "le 5 du mois suivant, sinon le jour ouvré le plus proche (suivant de nov. 2019 "
        "à juin 2021), le plus tôt en cas d'égalité.",
    },
    "en": {
        "title": "Calendar {year} — {department} ({code})",
        "holidays": "Public holidays ({count})",
        "date": "Date",
        "holiday": "Holiday",
        "payments": "Payment dates for the benefit months of {year} (paid the following month)",
        "month": "Benefit month",
        "paid": "Paid on",
        "note": "Note",
        "moved": "instead of {date}",
        "footer": "Payment days are business days of the département and of TARGET2: the 5th "
        "of the following month, else the nearest business day (the next one from Nov 2019 "
        "to Jun 2021), the earlier one on a tie.",
    },
}


def _department(text: str) -> Department:
    try:
        return Department(text)
    except InvalidDepartmentError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"year must be a number such as 2026, got {text!r}"
        ) from None
    if not FIRST_BENEFIT_YEAR <= year <= LAST_BENEFIT_YEAR:
        raise argparse.ArgumentTypeError(
            f"year {year} is out of range: payment dates are known for benefit years "
            f"{FIRST_BENEFIT_YEAR}–{LAST_BENEFIT_YEAR}"
        )
    return year


def register(subparsers: Any) -> None:
    """Add the ``calendar`` sub-command."""
    parser = subparsers.add_parser(
        "calendar",
        help="public holidays of a département and the payment dates of a year",
        description=(
            "Print the public holidays (jours fériés) of a département for a year and the "
            "payment dates of the 12 benefit months of that year (January to December, each "
            "paid the following month, so December's date falls in the next year)."
        ),
    )
    parser.add_argument(
        "--department", required=True, type=_department, metavar="CODE",
        help="INSEE code of the département: 01-19, 2A, 2B, 21-95, 971-978",
    )  # fmt: skip
    parser.add_argument(
        "--year", required=True, type=_year, metavar="YEAR",
        help=f"the year of the holidays and of the 12 benefit months "
        f"({FIRST_BENEFIT_YEAR}-{LAST_BENEFIT_YEAR})",
    )  # fmt: skip
    parser.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="a readable table (default) or JSON",
    )  # fmt: skip
    parser.add_argument(
        "--locale", default="fr_FR",
        help="Babel locale of dates and names, French or English (default fr_FR)",
    )  # fmt: skip
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the calendar; bad values that only the library can check exit with status 2."""
    department: Department = args.department
    year: int = args.year
    calendar = department_calendar(department)
    try:
        listing = calendar.holidays_listing(year, locale=args.locale)
    except (InvalidInputError, CalendarRangeError) as error:
        raise UsageError(f"allocations calendar: {error}") from None
    months = [Month(year, number) for number in range(1, 13)]
    payments = [(month, payment_date(month, department)) for month in months]
    if args.format == "json":
        payload = {
            "department": department.code,
            "year": year,
            "holidays": [{"date": day.isoformat(), "name": name} for day, _, name in listing],
            "payment_dates": [
                {"month": str(month), "date": day.isoformat()} for month, day in payments
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(_render_text(department, year, args.locale, listing, payments))
    return EXIT_OK


def _render_text(
    department: Department,
    year: int,
    locale: str,
    listing: list[tuple[dt.date, str, str]],
    payments: list[tuple[Month, dt.date]],
) -> str:
    from babel import Locale
    from babel.dates import format_date

    texts = _TEXTS["en" if Locale.parse(locale).language == "en" else "fr"]
    lines = [
        texts["title"].format(year=year, department=department.name, code=department.code),
        "",
        texts["holidays"].format(count=len(listing)),
        *_table((texts["date"], texts["holiday"]), [(text, name) for _, text, name in listing]),
        "",
        texts["payments"].format(year=year),
    ]
    rows = []
    for month, day in payments:
        nominal = CAF_PAYMENT_SCHEDULE.rule_for(month).nominal_date(month)
        note = (
            ""
            if day == nominal
            else texts["moved"].format(date=format_date(nominal, format="full", locale=locale))
        )
        rows.append((str(month), format_date(day, format="full", locale=locale), note))
    lines += _table((texts["month"], texts["paid"], texts["note"]), rows)
    lines += ["", textwrap.fill(texts["footer"], width=92)]
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Left-aligned columns under a header and a rule, indented by two spaces."""
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        return (
            "  "
            + "  ".join(
                cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
            ).rstrip()
        )

    rule = tuple("─" * width for width in widths)
    return [line(header), line(rule), *(line(row) for row in rows)]
