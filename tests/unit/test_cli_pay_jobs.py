"""``allocations pay --jobs``: the same ledger, files and messages whatever the processes.

The household files span many chunks (``CHUNK_LINES`` is set to 16 here), so ``--jobs 2``
really plans in worker processes and takes the chunks back in file order; ``--jobs 1`` plans
household by household in the main process, the reference. Amounts: 148.52 EUR for two
children in May 2024 (see ``test_run_support``); one child in metropolitan France gets
nothing (CSS art. L521-1: the allocations start at the second child).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from allocations import Household, InvalidInputError, Month, Planner, allocations_familiales
from allocations.adapters.households import household_to_record
from allocations.cli import _pay, main
from allocations.cli._pay import _Spool
from allocations.cli._progress import Progress
from tests.unit.test_cli_pay import pay_arguments
from tests.unit.test_run_support import (
    MAY,
    NET_TWO_CHILDREN,
    ONE_CHILD,
    ORGANISATION_IBAN,
    household,
)

CONFIG = f"""
[organisation]
name = "CAF du Bas-Rhin"
iban = "{ORGANISATION_IBAN}"

[files]
max_transactions_per_file = 120
"""
#: 300 households: 19 chunks of 16 lines; spool runs of 40 (on disk, merged).
COUNT = 300
CHUNK = 16


def _households(count: int = COUNT) -> list[Household]:
    """Two children each, but one child in Bas-Rhin (nothing due) for every seventh
    household (3, 10, 17…)."""
    return [
        household(n, "67", children=ONE_CHILD)
        if n % 7 == 3
        else household(n, ("67", "75", "971", "2A", "974")[n % 5])
        for n in range(count)
    ]


def _lines(households: list[Household]) -> list[str]:
    return [json.dumps(household_to_record(item)) for item in households]


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pay, "CHUNK_LINES", CHUNK)
    monkeypatch.setattr(_pay, "_Spool", functools.partial(_pay._Spool, run_size=40))
    monkeypatch.setenv("ALLOCATIONS_NOW", "2024-06-03T08:00:00+00:00")
    monkeypatch.delenv("ALLOCATIONS_CRASH_AFTER_STEPS", raising=False)


class Folder:
    """A folder of its own per ``--jobs`` value: configuration, household file, ledger."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.path = path
        self._monkeypatch = monkeypatch
        path.mkdir()
        (path / "organisation.toml").write_text(CONFIG, encoding="utf-8")

    def write(self, lines: list[str], name: str = "households.jsonl") -> None:
        (self.path / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")

    def pay(
        self, jobs: int, *extra: str, month: str = "2024-05", name: str = "households.jsonl"
    ) -> tuple[int, str, str]:
        """Exit status, standard output and standard error of one run."""
        self._monkeypatch.chdir(self.path)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(pay_arguments(name, month, "--jobs", str(jobs), *extra))
        return status, out.getvalue(), err.getvalue()

    def files(self) -> dict[str, bytes]:
        return {path.name: path.read_bytes() for path in sorted(self.path.glob("out/*.xml"))}

    def ledger(self) -> list[str]:
        """The whole ledger database, as SQL (tables, rows, indexes)."""
        with contextlib.closing(sqlite3.connect(self.path / "ledger.db")) as connection:
            return list(connection.iterdump())

    def written(self) -> list[str]:
        return sorted(name for name in os.listdir(self.path) if name.startswith(("ledger", "out")))


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[int], Folder]:
    return lambda jobs: Folder(tmp_path / f"jobs-{jobs}", monkeypatch)


def test_jobs_give_the_same_summary_files_and_ledger(folders: Callable[[int], Folder]) -> None:
    one, two = folders(1), folders(2)
    results = []
    for folder, jobs in ((one, 1), (two, 2)):
        folder.write(_lines(_households()))
        first = folder.pay(jobs, "--batch-size", "50")
        rerun = folder.pay(jobs, "--batch-size", "50")
        results.append((first, rerun, folder.files(), folder.ledger()))
    assert results[1] == results[0]
    (status, out, err), (again, rerun_out, _), files, ledger = results[0]
    paid = COUNT - len(range(3, COUNT, 7))  # 257: one household in seven has one child
    assert (status, again, err) == (0, 0, "")
    assert f"{paid} payments, {paid * NET_TWO_CHILDREN:,} EUR" in out
    assert f"({COUNT} households, {COUNT - paid} with nothing due)" in out
    assert f"journal: {paid} recorded, 0 already recorded (6 batches)" in out
    assert f"journal: 0 recorded, {paid} already recorded" in rerun_out
    assert len(files) == 3  # 257 transactions, at most 120 per file
    assert sum(line.startswith('INSERT INTO "instructions"') for line in ledger) == paid


def test_a_csv_file_gives_the_same_run(folders: Callable[[int], Folder]) -> None:
    results = []
    for jobs in (1, 2):
        folder = folders(jobs)
        with (folder.path / "households.csv").open("w", encoding="utf-8", newline="") as out:
            from allocations.adapters.households import write_households

            write_households(_households(), out, "csv")
        results.append((folder.pay(jobs, name="households.csv"), folder.files(), folder.ledger()))
    assert results[0] == results[1]
    assert results[0][0][0] == 0


#: Each bad line goes in a late chunk (line 250 is in the 16th chunk of 16 lines).
BAD_LINES = {
    "bad iban": (
        {"holder": {"name": "X", "iban": "FR7630006000011234567890188"}},
        "households.jsonl:250: field 'holder.iban': 'FR76 **** **** 0188' is refused",
    ),
    "no holder": ({"holder": None}, "households.jsonl:250: field 'holder' is missing"),
    "bad date": (
        {"children": [{"birth_date": "2012-13-01"}, {"birth_date": "2016-09-15"}]},
        "households.jsonl:250: field 'children[0].birth_date': '2012-13-01' is not a date",
    ),
    "uncomputable": (
        {"department": "975"},
        "households.jsonl:250: 'F-0249' cannot be computed for 2024-05",
    ),
    "duplicate across chunks": (
        {"id": "F-0002"},
        "households.jsonl:250: field 'id': 'F-0002' is a duplicate household id (first on line 3)",
    ),
    "duplicate with a bad field": (
        {"id": "F-0002", "resources": 1.5},
        "households.jsonl:250: field 'id': 'F-0002' is a duplicate household id (first on line 3)",
    ),
}


@pytest.mark.parametrize(("change", "expected"), BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_bad_line_in_a_late_chunk_gives_the_same_error_and_writes_nothing(
    folders: Callable[[int], Folder], change: dict[str, Any], expected: str
) -> None:
    records = [household_to_record(item) for item in _households()]
    records[249].update(change)
    if records[249].get("holder", "") is None:
        del records[249]["holder"]
    lines = [json.dumps(record) for record in records]
    one, two = folders(1), folders(2)
    one.write(lines)
    two.write(lines)
    result = one.pay(1)
    assert two.pay(2) == result
    status, out, err = result
    assert (status, out) == (1, "")
    assert err.startswith("allocations: error: " + expected), err
    assert err.count("\n") == 1
    assert one.written() == two.written() == []  # nothing journaled, no file


def test_the_first_of_several_problems_is_reported(folders: Callable[[int], Folder]) -> None:
    # In one chunk (lines 209 to 224): line 212 repeats an id of line 6, line 220 is not
    # JSON; a later chunk has a bad IBAN. The duplicate comes first in the file.
    lines = _lines(_households())
    lines[211] = lines[5]
    lines[219] = "not json"
    lines[280] = lines[280].replace('"iban": "FR76', '"iban": "FR77')
    one, two = folders(1), folders(2)
    one.write(lines)
    two.write(lines)
    result = one.pay(1)
    assert two.pay(2) == result
    assert result[2] == (
        "allocations: error: households.jsonl:212: field 'id': 'F-0005' is a duplicate "
        "household id (first on line 6)\n"
    )


def test_an_unreadable_file_gives_the_same_error(folders: Callable[[int], Folder]) -> None:
    one, two = folders(1), folders(2)
    missing = "allocations: error: cannot use 'households.jsonl': No such file or directory\n"
    assert one.pay(1) == two.pay(2) == (1, "", missing)


def test_zero_entitlements_are_explained_the_same_to_the_guard(
    folders: Callable[[int], Folder],
) -> None:
    # April: everyone has two children. May: one household in seven has one child left
    # (explained zeros, in every chunk) and F-0299 is gone (a finding): the guard stops.
    april = _lines([household(n, ("67", "75", "971", "2A", "974")[n % 5]) for n in range(COUNT)])
    may = _lines(_households(COUNT - 1))
    results = []
    for jobs in (1, 2):
        folder = folders(jobs)
        folder.write(april)
        assert folder.pay(1, month="2024-04")[0] == 0
        folder.write(may)
        stopped = folder.pay(jobs)
        overridden = folder.pay(jobs, "--override", "F-0299 moved abroad")
        results.append((stopped, overridden, folder.files(), folder.ledger()))
    assert results[1] == results[0]
    (status, _, err), (again, out, _), _, _ = results[0]
    assert (status, again) == (1, 0)
    explained = re.findall(r"- beneficiary (F-\d+) \(\w+\), paid 148.52 EUR in 2024-04: ", err)
    assert explained == [f"F-{n:04d}" for n in range(3, COUNT - 1, 7)][:20]  # the report's limit
    assert "beneficiary F-0299 (974) was paid 148.52 EUR in 2024-04" in err
    assert f"Explained ({len(range(3, COUNT - 1, 7))}: nothing is due this month)" in out


def test_progress_counts_every_household(
    folders: Callable[[int], Folder], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_pay, "Progress", functools.partial(Progress, every=1, force=True))
    counts = []
    for jobs in (1, 2):
        folder = folders(jobs)
        lines = _lines(_households(100))
        lines.insert(40, "")  # a blank line is no household
        folder.write(lines)
        status, _, err = folder.pay(jobs)
        assert status == 0
        counts.append(re.findall(r"\rallocations: ([\d,]+) households checked \(", err))
    assert counts[0] == counts[1] == [str(n) for n in range(1, 101)]


def test_the_spool_cuts_the_same_runs_from_rows_as_from_instructions() -> None:
    planner = Planner(MAY)
    everyone = _households(60)
    instructions = [
        instruction
        for line, item in enumerate(everyone, start=1)
        if (instruction := planner.add(item, allocations_familiales(item, MAY), line=line))
    ]
    rows = [_pay.plain_values(instruction) for instruction in instructions]
    one, by_rows = _Spool(run_size=7), _Spool(run_size=7)
    for instruction in instructions:
        one.add(instruction)
    for start, stop in ((0, 3), (3, 17), (17, 18), (18, 18), (18, len(rows))):
        by_rows.add_rows(rows[start:stop])
    runs = [[list(_Spool._read(run)) for run in spool._runs] for spool in (one, by_rows)]
    assert runs[0] == runs[1]
    assert [len(run) for run in runs[0]] == [7] * (len(rows) // 7)
    one.finish()
    by_rows.finish()
    assert list(one.plain_rows()) == list(by_rows.plain_rows())
    one.close()
    by_rows.close()


# --- Planner.merge -------------------------------------------------------------------------


def _planned(planner: Planner, households: list[Household], first_line: int) -> None:
    for line, item in enumerate(households, start=first_line):
        planner.add(item, allocations_familiales(item, planner.month), line=line)


def test_merging_planners_in_file_order_equals_one_planner() -> None:
    everyone = _households(50)
    # A repeated id with nothing due for another reason (no child at all): the later reason
    # is kept, in the first one's place.
    everyone[40] = household(3, "75", children=())
    single = Planner(MAY, source="households.jsonl")
    _planned(single, everyone, 1)
    merged = Planner(MAY, source="households.jsonl")
    for start, stop in ((0, 10), (10, 11), (11, 11), (11, 50)):
        part = Planner(MAY, source="households.jsonl")
        _planned(part, everyone[start:stop], start + 1)
        merged.merge(part)
    expected, plan = single.plan([]), merged.plan([])
    assert plan == expected
    assert list(plan.explanations.items()) == list(expected.explanations.items())
    assert list(plan.by_department) == ["2A", "67", "75", "971", "974"]
    # 50 households but 7 with one child (3, 10, … 45) and the one without (line 41).
    assert plan.totals.amount == 42 * NET_TWO_CHILDREN
    alone = Planner(MAY)
    _planned(alone, everyone[40:41], 41)
    assert next(iter(plan.explanations)) == "F-0003"
    assert plan.explanations["F-0003"] == alone.explanations["F-0003"]
    assert plan.explanations["F-0003"] != plan.explanations["F-0010"]


def test_a_merged_planner_is_left_as_it_is() -> None:
    first, second = Planner(MAY), Planner(MAY)
    _planned(second, _households(10), 1)
    before = second.plan([])
    first.merge(second)
    first.merge(second)
    assert second.plan([]) == before
    assert first.plan([]).totals.count == 2 * before.totals.count


@pytest.mark.parametrize(
    ("other", "message"),
    [
        (Planner(Month(2024, 4)), "cannot merge the planner of AF 2024-04"),
        (Planner(MAY, benefit="AJ"), "cannot merge the planner of AJ 2024-05"),
        (Planner(MAY, remittance_label="CAF 67"), "(remittance 'CAF 67 2024-05')"),
    ],
)
def test_planners_of_other_runs_cannot_be_merged(other: Planner, message: str) -> None:
    planner = Planner(MAY)
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        planner.merge(other)
    assert planner.plan([]).households == 0


def test_a_planner_cannot_be_merged_into_itself_or_with_another_type() -> None:
    planner = Planner(MAY)
    with pytest.raises(InvalidInputError, match="into itself"):
        planner.merge(planner)
    with pytest.raises(TypeError, match="must be a Planner"):
        planner.merge({"households": 3})  # type: ignore[arg-type]


def test_the_merge_example_runs() -> None:
    # docs/conf.py gives the docs' examples these names (doctest_global_setup).
    import datetime as dt
    import doctest
    from decimal import Decimal

    import allocations

    globs = {"allocations": allocations, "dt": dt, "Decimal": Decimal}
    [test] = doctest.DocTestFinder().find(Planner.merge, "Planner.merge", globs=globs)
    results = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS).run(test)
    assert (results.failed, results.attempted) == (0, len(test.examples))
