"""The payment ledger in five steps: record, replay, follow, refuse, report.

Runs against a throw-away SQLite ledger (the default kind) and prints what happens.
Run from the ``examples/`` directory: ``python ledger_basics.py``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs

from allocations import (
    Creditor,
    IdempotencyConflictError,
    IllegalTransitionError,
    InstructionState,
    Month,
    PaymentInstruction,
    PaymentKey,
    PaymentKind,
    open_ledger,
)
from allocations.payments import StateChange

MAY = Month(2024, 5)
BENEFICIARIES = [
    ("F-1", "Marie Curie", "FR76 3000 6000 0112 3456 7890 189", Decimal("148.52"), "67"),
    ("F-2", "Jean Moulin", "FR14 2004 1010 0505 0001 3M02 606", Decimal("338.82"), "971"),
]


def clock() -> dt.datetime:
    """A fixed clock, so the example prints the same thing every time."""
    return dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.UTC)


def main() -> None:
    planned = [
        PaymentInstruction(
            key=PaymentKey(beneficiary, "AF", MAY, PaymentKind.REGULAR),
            amount=amount,
            creditor=Creditor(name, iban),
            requested_execution_date=dt.date(2024, 6, 5),
            remittance_information=f"CAF ALLOCATIONS FAMILIALES {MAY}",
            department=department,
        )
        for beneficiary, name, iban, amount, department in BENEFICIARIES
    ]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'ledger.db'}"
        with open_ledger(url, clock=clock) as ledger:
            print("1. record:", [o.value for o in ledger.record(planned)])
            print("   rerun after a crash:", [o.value for o in ledger.record(planned)])

            changed = attrs.evolve(planned[0], amount=Decimal("150.00"))
            try:
                ledger.record([changed])
            except IdempotencyConflictError as error:
                print("2. refused:", error)

            first = planned[0].key
            ledger.transition_many(
                [
                    StateChange(first, InstructionState.IN_FILE),
                    StateChange(first, InstructionState.SENT),
                ]
            )
            again = ledger.transition(first, InstructionState.SENT)
            print(
                f"3. {planned[0].end_to_end_id} is sent; the report read twice: already={again.already}"
            )
            try:
                ledger.transition(first, InstructionState.SETTLED)
            except IllegalTransitionError as error:
                print("4. refused:", error)

            counts = {state.value: n for state, n in ledger.count_by_state(MAY).items() if n}
            print("5. states for", MAY, counts)
            for summary in ledger.live_regular(MAY):
                print(f"   {summary.beneficiary_id}: {summary.amount} EUR ({summary.state.value})")


if __name__ == "__main__":
    main()
