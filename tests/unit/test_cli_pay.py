"""``allocations pay``, ``allocations ingest`` and ``allocations ledger``, in process.

Amounts: 148.52 EUR per household with two children, May 2024 (see ``test_run_support``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest

from allocations import InstructionState, Month
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.cli import main
from allocations.payments._run import OVERRIDE_EVENT
from tests.unit.test_ingest import pain002
from tests.unit.test_run_support import (
    MAY,
    ORGANISATION_IBAN,
    household,
    households,
    write_jsonl,
)

CONFIG = f"""
[organisation]
name = "CAF du Bas-Rhin"
iban = "{ORGANISATION_IBAN}"

[files]
max_transactions_per_file = 4
"""
FILE_1 = "AF-2024-05-20240605-001.xml"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALLOCATIONS_NOW", "2024-06-03T08:00:00+00:00")
    monkeypatch.delenv("ALLOCATIONS_CRASH_AFTER_STEPS", raising=False)
    (tmp_path / "organisation.toml").write_text(CONFIG, encoding="utf-8")
    write_jsonl(tmp_path / "households.jsonl", households(10))
    return tmp_path


def pay_arguments(households_file: str, month: str, *extra: str) -> list[str]:
    """``allocations pay`` with organisation.toml, out/ and ledger.db of the current folder."""
    return [
        *("pay", households_file, "--month", month, "--config", "organisation.toml"),
        *("--out", "out", "--ledger", "sqlite:///ledger.db", *extra),
    ]


def pay(*extra: str, households_file: str = "households.jsonl", month: str = "2024-05") -> int:
    return main(pay_arguments(households_file, month, *extra))


def files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.xml"))}


def counts(month: Month = MAY) -> dict[InstructionState, int]:
    with SQLiteLedger("ledger.db") as ledger:
        return ledger.count_by_state(month)


def test_pay_writes_the_files_and_a_rerun_writes_the_same(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pay("--batch-size", "3") == 0
    out = capsys.readouterr().out
    assert "Payment run AF 2024-05: 10 payments, 1,485.20 EUR" in out  # 10 × 148.52
    assert "journal: 10 recorded, 0 already recorded (4 batches)" in out
    assert "AF-2024-05-20240605-003.xml: 2 transactions" in out
    first = files(work / "out")
    assert list(first) == [FILE_1, FILE_1.replace("001", "002"), FILE_1.replace("001", "003")]
    assert (work / "out" / FILE_1).stat().st_mode & 0o777 == 0o600
    assert counts()[InstructionState.IN_FILE] == 10

    assert pay() == 0
    assert "0 recorded, 10 already recorded" in capsys.readouterr().out
    assert files(work / "out") == first


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            {"holder": {"name": "X", "iban": "FR7630006000011234567890188"}},
            "households.jsonl:7: field 'holder.iban': 'FR76 **** **** 0188'",
        ),
        ({"holder": {"name": "X", "iban": household(1).holder.iban, "bic": "BNP"}}, "holder.bic"),  # type: ignore[union-attr]
        ({"holder": None}, "households.jsonl:7: field 'holder' is missing"),
        ({"id": "F-0001"}, "households.jsonl:7: field 'id': 'F-0001' is a duplicate household id"),
    ],
)
def test_bad_input_writes_nothing(
    work: Path, capsys: pytest.CaptureFixture[str], line: dict[str, object], expected: str
) -> None:
    records = [json.loads(text) for text in (work / "households.jsonl").read_text().splitlines()]
    records[6].update(line)
    if records[6]["holder"] is None:
        del records[6]["holder"]
    (work / "households.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert pay() == 1
    assert expected in capsys.readouterr().err
    assert not (work / "ledger.db").exists()
    assert not (work / "out").exists()


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("[organisation]\nname = 'CAF'\n", "organisation.toml: [organisation] iban is missing"),
        (
            f"[organisation]\nname = 'CAF'\niban = '{ORGANISATION_IBAN}'\n[files]\nmax_transactions_per_fille = 3\n",
            "[files] unknown key 'max_transactions_per_fille'",
        ),
        (
            "[organisation]\nname = 'CAF'\niban = 'FR7630001000640000001234558'\n",
            "organisation.toml: [organisation] iban: IBAN FR76 **** **** 4558 fails",
        ),
        (
            f"[organisation]\nname = 'CAF'\niban = '{ORGANISATION_IBAN}'\n[guard]\nmax_total_change_percent = 'lots'\n",
            "[guard] max_total_change_percent: ",
        ),
        ("not toml [", "organisation.toml: not valid TOML"),
    ],
)
def test_a_bad_configuration_writes_nothing(
    work: Path, capsys: pytest.CaptureFixture[str], config: str, expected: str
) -> None:
    (work / "organisation.toml").write_text(config, encoding="utf-8")
    assert pay() == 1
    assert expected in capsys.readouterr().err
    assert not (work / "ledger.db").exists()


def test_a_missing_configuration_file(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "organisation.toml").unlink()
    assert pay() == 1
    assert "cannot read the configuration 'organisation.toml'" in capsys.readouterr().err


def test_a_changed_amount_is_refused_naming_the_field(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pay() == 0
    before = files(work / "out")
    # A third child for F-0004: the amount changes for a month already paid.
    changed = households(10)
    changed[4] = attrs.evolve(changed[4], children=(*changed[4].children, household(0).children[0]))
    write_jsonl(work / "households.jsonl", changed)
    capsys.readouterr()
    assert pay() == 1
    err = capsys.readouterr().err
    assert "is already recorded with different content: amount (recorded 148.52" in err
    assert files(work / "out") == before
    assert counts()[InstructionState.IN_FILE] == 10


def test_the_guard_stops_and_an_override_is_recorded(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pay(month="2024-04") == 0
    write_jsonl(work / "households.jsonl", households(9))
    capsys.readouterr()
    assert pay() == 1
    err = capsys.readouterr().err
    assert "STOPPED, 1 finding" in err
    assert "beneficiary F-0009 (67) was paid 148.52 EUR in 2024-04" in err
    assert not list((work / "out").glob("AF-2024-05-*"))
    assert pay("--override", "F-0009 moved abroad") == 0
    assert "overridden (F-0009 moved abroad)" in capsys.readouterr().out
    assert pay("--override", "F-0009 moved abroad") == 0
    with SQLiteLedger("ledger.db") as ledger:
        [event] = ledger.run_events(period=MAY, kind=OVERRIDE_EVENT)
    assert event.payload["reason"] == "F-0009 moved abroad"


def test_ingest_and_ledger_commands(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert pay() == 0
    with SQLiteLedger("ledger.db") as ledger:
        [first, *_] = ledger.files(period=MAY)
    capsys.readouterr()
    assert main(["ledger", "mark-sent", f"out/{FILE_1}", "--ledger", "sqlite:///ledger.db"]) == 0
    assert "4 instructions now sent" in capsys.readouterr().out
    rejected = first.end_to_end_ids[0]
    (work / "status.xml").write_bytes(
        pain002("PART", [(rejected, "RJCT", "AC04"), ("AF-UNKNOWN", "RJCT", "AC01")])
    )
    assert main(["ingest", "status.xml", "--ledger", "sqlite:///ledger.db"]) == 3
    out = capsys.readouterr().out
    assert "unknown: AF-UNKNOWN is not in this ledger" in out
    assert "1 rejected" in out
    assert main(["ingest", "status.xml", "--ledger", "sqlite:///ledger.db"]) == 3
    assert "changes written: none" in capsys.readouterr().out
    assert main(["ledger", "status", "--month", "2024-05", "--ledger", "sqlite:///ledger.db"]) == 0
    status = capsys.readouterr().out
    assert "2024-05: 10 instructions" in status
    assert re.search(r"in_file +6 +891\.12 EUR", status)  # 6 × 148.52
    assert re.search(r"sent +3 +445\.56 EUR", status)  # 3 × 148.52
    assert re.search(r"rejected +1 +148\.52 EUR", status)
    assert "payment files journaled: 3" in status


def test_the_crash_hook_needs_a_positive_number(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOCATIONS_CRASH_AFTER_STEPS", "soon")
    assert pay() == 2
    assert "ALLOCATIONS_CRASH_AFTER_STEPS='soon'" in capsys.readouterr().err


def test_the_spool_sorts_across_runs_on_disk_and_catches_a_repeated_payment() -> None:
    from allocations import DuplicatePaymentError, payment_order, plan_payments
    from allocations.cli._pay import _Spool

    instructions = list(plan_payments(households(11), MAY).instructions)
    spool = _Spool(run_size=3)  # 4 sorted runs on disk, merged
    for instruction in reversed(instructions):
        spool.add(instruction)
    spool.finish()
    assert list(spool) == list(spool) == sorted(instructions, key=payment_order)
    spool.close()

    repeated = _Spool(run_size=3)
    for instruction in [*instructions, instructions[5]]:
        repeated.add(instruction)
    with pytest.raises(DuplicatePaymentError, match="F-00"):
        repeated.finish()
    repeated.close()
