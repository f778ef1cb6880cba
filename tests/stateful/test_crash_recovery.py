"""Crash recovery with real processes: kill ``allocations pay`` after every durable step.

Scenario: April 2024 was paid to 201 households; May's file has 200 of them, so the
pre-flight guard needs ``--override`` (one more durable step). May's run journals 200
instructions in batches of 5 (40 steps), records the override (1), allocates and writes 4
files of 50 (8), and marks IN_FILE in batches of 5 (40): 89 steps. For each step N, a fresh
copy of the April ledger gets ``ALLOCATIONS_CRASH_AFTER_STEPS=N`` (the process sends itself
SIGKILL after its N-th step), then the very same command again, without the hook. The
result must equal an uninterrupted run: 200 instructions, each once, all IN_FILE, each in
exactly one file, and the files byte-identical — CreDtTm included: the resumed process runs
with another clock (``ALLOCATIONS_NOW``) once the crash came after the first file
allocation, so the time can only come from the file journal.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from allocations import InstructionState, Month
from allocations.adapters.sqlite_ledger import SQLiteLedger
from tests.unit.test_cli_pay import pay_arguments
from tests.unit.test_run_support import ORGANISATION_IBAN, households, write_jsonl

pytestmark = pytest.mark.slow

MAY = Month(2024, 5)
FIRST_CLOCK = "2024-06-03T08:00:00+00:00"
OTHER_CLOCK = "2024-06-03T17:45:12+00:00"
CONFIG = f"""
[organisation]
name = "CAF du Bas-Rhin"
iban = "{ORGANISATION_IBAN}"
bic = "BDFEFRPPCCT"

[files]
max_transactions_per_file = 50
"""
OVERRIDE = "F-0200 left the CAF (transfer)"


def allocations(folder: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ALLOCATIONS_CRASH_AFTER_STEPS", "ALLOCATIONS_NOW")
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-m", "allocations.cli", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def pay(
    folder: Path, month: str, households_file: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    return allocations(
        folder,
        *pay_arguments(households_file, month, "--batch-size", "5", "--override", OVERRIDE),
        **environment,
    )


@pytest.fixture(scope="module")
def april(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with April paid to 201 households, May's file of 200, the configuration."""
    folder = tmp_path_factory.mktemp("april")
    (folder / "organisation.toml").write_text(CONFIG, encoding="utf-8")
    all_of_them = households(201, departments=("67", "75", "971", "2A", "13"))
    write_jsonl(folder / "april.jsonl", all_of_them)
    write_jsonl(folder / "may.jsonl", all_of_them[:200])
    result = pay(folder, "2024-04", "april.jsonl", ALLOCATIONS_NOW="2024-05-03T08:00:00+00:00")
    assert result.returncode == 0, result.stderr
    shutil.rmtree(folder / "out")
    return folder


def copy_of(april: Path, target: Path) -> Path:
    target.mkdir()
    for name in ("organisation.toml", "may.jsonl", "ledger.db"):
        shutil.copy(april / name, target / name)
    return target


def xml_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((folder / "out").glob("*.xml"))}


def check_ledger(folder: Path, files: dict[str, bytes]) -> None:
    with SQLiteLedger(folder / "ledger.db") as ledger:
        entries = list(ledger.instructions(period=MAY))
        journaled = list(ledger.files(period=MAY))
    beneficiaries = [entry.instruction.key.beneficiary_id for entry in entries]
    assert len(beneficiaries) == len(set(beneficiaries)) == 200  # none twice, none lost
    assert {entry.state for entry in entries} == {InstructionState.IN_FILE}
    in_files = [e2e for file in journaled for e2e in file.end_to_end_ids]
    assert sorted(in_files) == sorted(entry.end_to_end_id for entry in entries)
    written = [e2e for data in files.values() for e2e in re.findall(rb"<EndToEndId>([^<]+)<", data)]
    assert sorted(e.decode() for e in written) == sorted(in_files)


def test_a_crash_after_any_durable_step_is_recovered_by_running_again(
    april: Path, tmp_path: Path
) -> None:
    clean_folder = copy_of(april, tmp_path / "clean")
    clean = pay(clean_folder, "2024-05", "may.jsonl", ALLOCATIONS_NOW=FIRST_CLOCK)
    assert clean.returncode == 0, clean.stderr
    steps = int(re.search(r"durable steps: (\d+)", clean.stdout).group(1))  # type: ignore[union-attr]
    assert steps == 40 + 1 + 4 + 4 + 40
    expected = xml_files(clean_folder)
    assert len(expected) == 4
    check_ledger(clean_folder, expected)

    def crash_then_resume(step: int) -> str:
        folder = copy_of(april, tmp_path / f"crash-{step:03d}")
        crashed = pay(
            folder,
            "2024-05",
            "may.jsonl",
            ALLOCATIONS_NOW=FIRST_CLOCK,
            ALLOCATIONS_CRASH_AFTER_STEPS=str(step),
        )
        assert crashed.returncode == -9, (step, crashed.returncode, crashed.stderr)
        killed = re.search(r"killed after step (\d+) \(([^)]*)\)", crashed.stderr)
        assert killed is not None, crashed.stderr
        assert int(killed.group(1)) == step
        name = killed.group(2)
        # Before the first allocation no CreDtTm is journaled yet: the resumed run picks it,
        # so it must use the first clock to compare bytes; after it, another clock proves
        # that the time comes from the journal.
        clock = FIRST_CLOCK if name.startswith(("journal", "guard")) else OTHER_CLOCK
        resumed = pay(folder, "2024-05", "may.jsonl", ALLOCATIONS_NOW=clock)
        assert resumed.returncode == 0, (step, name, resumed.stderr)
        files = xml_files(folder)
        assert files == expected, (step, name)
        check_ledger(folder, files)
        shutil.rmtree(folder)
        return name

    # Two workers: the machine has two cores, and each run is a short sequential process.
    with ThreadPoolExecutor(max_workers=2) as pool:
        names = list(pool.map(crash_then_resume, range(1, steps + 1)))
    assert len(names) == steps >= 50
    kinds = {name.split(" ")[0] for name in names}
    assert kinds == {"journal", "guard", "allocate", "write", "mark"}
