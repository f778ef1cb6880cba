"""Why does a family receive 148,52 €? The allocations familiales of a few households, explained.

Run from the ``examples/`` directory: ``python entitlement_explained.py``.

Each household shows one rule of the law at work: the base for two children, the
majoration pour âge, the complément dégressif just above a ceiling, the forfait of a
20-year-old, résidence alternée, the one-child allowance overseas, and a family that is no
longer paid (with the reason the payment run's pre-flight guard would show).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from allocations import (
    Child,
    EntitlementOptions,
    Household,
    Month,
    allocations_familiales,
    compute_entitlements,
)

MONTH = Month(2024, 5)


def family(identifier: str, department: str, resources: str, *children: Child) -> Household:
    return Household(
        id=identifier, department=department, resources=Decimal(resources), children=children
    )


def child(year: int, month: int, day: int, **fields: object) -> Child:
    return Child(birth_date=dt.date(year, month, day), **fields)  # type: ignore[arg-type]


HOUSEHOLDS = [
    # Two children, resources of 2022 below the first ceiling: 149,26 € gross, 148,52 € net.
    family("F-1", "67", "55000", child(2012, 3, 1), child(2016, 9, 15)),
    # Three children, the eldest over 14: base for three plus one majoration pour âge.
    family("F-2", "75", "48000", child(2009, 6, 2), child(2013, 1, 20), child(2019, 11, 5)),
    # Two children, resources 400 € above the first ceiling: tranche 2 + complément dégressif
    # (the worked example of LAW.md §7: 115,93 €).
    family("F-3", "13", "75366", child(2011, 2, 14), child(2015, 7, 7)),
    # The eldest turned 20 in May 2024: he no longer counts, the allocation forfaitaire starts.
    family("F-4", "59", "61000", child(2004, 5, 12), child(2012, 8, 30), child(2017, 4, 3)),
    # Résidence alternée for one of the two children: the base is prorated 1.5 / 2.
    family("F-5", "33", "39000", child(2013, 10, 1, custody="shared"), child(2018, 2, 19)),
    # La Réunion, one child aged 12: 5,88 % of the BMAF plus 3,69 %, whatever the income.
    family("F-6", "974", "250000", child(2011, 12, 24)),
    # Paid last month, not this month: the elder child turned 20 in May 2024.
    family("F-7", "2A", "42000", child(2004, 5, 2), child(2015, 6, 6)),
]


def main() -> None:
    print(f"Allocations familiales for the benefit month {MONTH}\n")
    print(f"{'id':<5} {'gross':>8} {'CRDS':>6} {'net':>8}  components")
    for entitlement in compute_entitlements(HOUSEHOLDS, MONTH):
        components = ", ".join(f"{line.component} {line.amount}" for line in entitlement.breakdown)
        print(
            f"{entitlement.household_id:<5} {entitlement.gross:>8} {entitlement.crds:>6} "
            f"{entitlement.net:>8}  {components}"
        )

    print("\nWhy 148,52 € for F-1?\n")
    print(allocations_familiales(HOUSEHOLDS[0], MONTH).explain())

    print("\nWhy is F-7 not paid in May 2024 when it was in April?\n")
    april = allocations_familiales(HOUSEHOLDS[-1], Month(2024, 4))
    may = allocations_familiales(HOUSEHOLDS[-1], MONTH)
    print(f"April 2024: {april.net} € net; May 2024: {may.net} € net")
    print(may.explain())

    print("\nThe same in English, for F-3 (complément dégressif):\n")
    print(allocations_familiales(HOUSEHOLDS[2], MONTH).explain("en_GB"))

    print("\nThe record the JSON Lines writer emits for F-2:\n")
    print(json.dumps(allocations_familiales(HOUSEHOLDS[1], MONTH).to_record(), indent=2,
                     ensure_ascii=False))  # fmt: skip

    print("\nJanuary 2027 is beyond the known law; extending the last known values is explicit:")
    january = allocations_familiales(
        HOUSEHOLDS[0], Month(2027, 1), options=EntitlementOptions(extend_last_known=True)
    )
    print(f"F-1 in {january.month}: {january.net} € net (2026 parameters extended)")


if __name__ == "__main__":
    main()
