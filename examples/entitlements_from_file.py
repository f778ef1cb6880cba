"""Compute the allocations familiales of May 2024 for the households of a file.

Run from the ``examples/`` directory: ``python entitlements_from_file.py``.

1. Reads ``data/households.jsonl`` with the streaming reader and prints one line per
   household (the same households are in ``data/households.csv``).
2. Runs the ``allocations entitlements`` command on a copy with two bad lines, first
   without and then with ``--skip-invalid``, to show what an operator sees.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from allocations import Month, allocations_familiales
from allocations.adapters.households import read_households
from allocations.cli import main

DATA = Path("data")
MONTH = Month(2024, 5)


def print_entitlements() -> None:
    print(f"Allocations familiales for {MONTH}, from {DATA / 'households.jsonl'}:")
    print(f"{'id':<6} {'dépt':<5} {'children':>8} {'gross':>8} {'CRDS':>6} {'net':>8}  components")
    households = list(read_households(DATA / "households.jsonl"))
    assert households == list(read_households(DATA / "households.csv"))
    for household in households:
        entitlement = allocations_familiales(household, MONTH)
        components = ", ".join(line.component for line in entitlement.breakdown)
        print(
            f"{household.id:<6} {household.department.code:<5} {len(household.children):>8} "
            f"{entitlement.gross:>8} {entitlement.crds:>6} {entitlement.net:>8}  {components}"
        )


def run_the_command_on_bad_input() -> None:
    lines = (DATA / "households.jsonl").read_text(encoding="utf-8").splitlines()
    lines.insert(2, '{"id": "F-50", "department": "67", "resources": 55000.5}')
    lines.insert(5, '{"id": "F-1", "department": "75", "resources": "30000.00"}')
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "households.jsonl"
        source.write_text("\n".join(lines) + "\n", encoding="utf-8")
        output = Path(directory) / "entitlements.jsonl"
        arguments = ["entitlements", str(source), "--month", str(MONTH), "-o", str(output)]

        print("\n$ allocations entitlements households.jsonl --month 2024-05 -o entitlements.jsonl")
        status = main(arguments)
        print(f"exit status {status}; output written: {output.exists()}")

        print("\n$ allocations entitlements ... --skip-invalid")
        status = main([*arguments, "--skip-invalid"])
        written = output.read_text(encoding="utf-8").splitlines()
        print(f"exit status {status}; {len(written)} households written")
        for line in Path(f"{output}.rejects.jsonl").read_text(encoding="utf-8").splitlines():
            reject = json.loads(line)
            print(f"  rejected line {reject['line']}: {reject['field']} {reject['reason']}")


if __name__ == "__main__":
    print_entitlements()
    run_the_command_on_bad_input()
