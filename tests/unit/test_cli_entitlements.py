"""``allocations entitlements`` (docs/howto/household-files.rst), run in-process."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from allocations import Month
from allocations.adapters.households import read_households
from allocations.cli import _entitlements as entitlements_command
from allocations.cli import main
from allocations.cli._progress import Progress
from allocations.entitlement import allocations_familiales
from allocations.money import round_to_cent, truncate_to_cent

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "data"
JSONL = EXAMPLES / "households.jsonl"
CSV = EXAMPLES / "households.csv"

# F-1 (Bas-Rhin, two children, resources under the first ceiling) in May 2024: BMAF of
# 466.44 € since 1 April 2024 × 32 % (D521-1 I), CRDS 0.5 % truncated (LAW.md §13).
F1_GROSS = round_to_cent(Decimal("466.44") * Decimal("0.32"))
F1_CRDS = truncate_to_cent(F1_GROSS * Decimal("0.005"))

BAD_LINE = (
    '{"id": "F-99", "department": "67", "resources": "1", '
    '"children": [{"birth_date": "2012-13-01"}]}'
)


def _bad_file(tmp_path: Path, *extra: str) -> Path:
    lines = JSONL.read_text(encoding="utf-8").splitlines()
    lines[4:4] = [BAD_LINE, *extra]  # lines 5, 6…
    path = tmp_path / "households.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_household_gets_its_record_in_input_order(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entitlements", str(JSONL), "--month", "2024-05"]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    expected = [
        allocations_familiales(household, Month(2024, 5)).to_record()
        for household in read_households(JSONL)
    ]
    assert records == expected
    assert len(records) == 21
    assert records[0]["id"] == "F-1"
    assert (records[0]["gross"], records[0]["crds"], records[0]["net"]) == (
        str(F1_GROSS),
        str(F1_CRDS),
        str(F1_GROSS - F1_CRDS),
    )
    assert ", " not in out.splitlines()[0].split('"rule"')[0]  # compact separators
    assert err == ""  # no progress line: stderr is not a terminal


def test_csv_input_gives_the_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entitlements", str(JSONL), "--month", "2024-05"]) == 0
    from_jsonl = capsys.readouterr().out
    assert main(["entitlements", str(CSV), "--month", "2024-05"]) == 0
    assert capsys.readouterr().out == from_jsonl


def test_csv_output_has_a_compact_breakdown(tmp_path: Path) -> None:
    output = tmp_path / "entitlements.csv"  # the format follows the extension
    assert main(["entitlements", str(JSONL), "--month", "2024-05", "-o", str(output)]) == 0
    with output.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["id", "month", "gross", "crds", "net", "breakdown"]
    assert rows[1] == [
        "F-1",
        "2024-05",
        str(F1_GROSS),
        str(F1_CRDS),
        str(F1_GROSS - F1_CRDS),
        f"base={F1_GROSS}",
    ]
    first = allocations_familiales(next(iter(read_households(JSONL))), Month(2024, 5))
    assert len(rows) == 22
    assert rows[1][5] == ";".join(f"{line.component}={line.amount}" for line in first.breakdown)


def test_format_option_wins_over_the_extension(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    argv = ["entitlements", str(CSV), "--month", "2024-05", "-o", str(output), "--format", "jsonl"]
    assert main(argv) == 0
    assert json.loads(output.read_text(encoding="utf-8").splitlines()[0])["id"] == "F-1"


def test_a_bad_line_writes_nothing_and_names_line_field_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _bad_file(tmp_path)
    output = tmp_path / "out.jsonl"
    assert main(["entitlements", str(source), "--month", "2024-05", "-o", str(output)]) == 1
    _, err = capsys.readouterr()
    assert err == (
        f"allocations: error: {source}:5: field 'children[0].birth_date': '2012-13-01' "
        "is not a date (YYYY-MM-DD)\n"
    )
    assert sorted(os.listdir(tmp_path)) == ["households.jsonl"]  # no output, no temporary


def test_a_bad_line_leaves_an_existing_output_unchanged(tmp_path: Path) -> None:
    source = _bad_file(tmp_path)
    output = tmp_path / "out.jsonl"
    output.write_text("last month's run\n")
    assert main(["entitlements", str(source), "--month", "2024-05", "-o", str(output)]) == 1
    assert output.read_text() == "last month's run\n"
    assert sorted(os.listdir(tmp_path)) == ["households.jsonl", "out.jsonl"]


def test_a_bad_line_prints_nothing_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["entitlements", str(_bad_file(tmp_path)), "--month", "2024-05"]) == 1
    assert capsys.readouterr().out == ""


def test_skip_invalid_writes_the_valid_households_and_the_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unsupported = '{"id": "F-975", "department": "975", "resources": "1", "children": []}'
    duplicate = '{"id": "F-1", "department": "67", "resources": "1"}'
    source = _bad_file(tmp_path, unsupported, duplicate)
    output = tmp_path / "out.jsonl"
    argv = ["entitlements", str(source), "--month", "2024-05", "-o", str(output), "--skip-invalid"]
    assert main(argv) == 3
    _, err = capsys.readouterr()
    assert err == f"allocations: 3 of 24 households rejected, listed in {output}.rejects.jsonl\n"
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == [f"F-{n}" for n in range(1, 22)]
    rejects = [
        json.loads(line)
        for line in Path(f"{output}.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [(r["line"], r["field"], r["value"]) for r in rejects] == [
        (5, "children[0].birth_date", "2012-13-01"),
        (6, None, "F-975"),
        (7, "id", "F-1"),
    ]
    assert rejects[0]["reason"] == "is not a date (YYYY-MM-DD)"
    assert "Saint-Pierre" in rejects[1]["reason"] or "975" in rejects[1]["reason"]
    assert rejects[2]["reason"] == "is a duplicate household id (first on line 1)"
    assert rejects[0]["message"].startswith(f"{source}:5: field 'children[0].birth_date'")
    assert {r["source"] for r in rejects} == {str(source)}


def test_skip_invalid_with_nothing_to_reject_exits_0_and_empties_the_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    rejects.write_text("stale rejects of an earlier run\n")
    argv = ["entitlements", str(JSONL), "--month", "2024-05", "-o", str(output)]
    assert main([*argv, "--skip-invalid", "--rejects", str(rejects)]) == 0
    assert rejects.read_text() == ""
    assert capsys.readouterr().err == ""


def test_skip_invalid_to_stdout_needs_a_rejects_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _bad_file(tmp_path)
    assert main(["entitlements", str(source), "--month", "2024-05", "--skip-invalid"]) == 2
    assert "--rejects" in capsys.readouterr().err
    rejects = tmp_path / "rejects.jsonl"
    argv = ["entitlements", str(source), "--month", "2024-05", "--skip-invalid"]
    assert main([*argv, "--rejects", str(rejects)]) == 3
    out, _ = capsys.readouterr()
    assert len(out.splitlines()) == 21
    assert json.loads(rejects.read_text())["line"] == 5


def test_an_unsupported_territory_stops_the_run_without_skip_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "spm.jsonl"
    source.write_text('{"id": "F-975", "department": "975", "resources": "1"}\n')
    assert main(["entitlements", str(source), "--month", "2024-05"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"allocations: error: {source}:1: 'F-975' cannot be computed for 2024-05")


def test_a_month_outside_the_known_law_fails_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out.jsonl"
    argv = [
        "entitlements",
        str(tmp_path / "missing.jsonl"),
        "--month",
        "2012-05",
        "-o",
        str(output),
    ]
    assert main(argv) == 1
    assert "2012-05" in capsys.readouterr().err
    assert not output.exists()


def test_stdin_is_read_with_an_explicit_format(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CSV.read_bytes())))
    assert main(["entitlements", "-", "--input-format", "csv", "--month", "2024-05"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 21


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["-", "--month", "2024-05"], "--input-format"),
        (["households.json", "--month", "2024-05"], "extension"),
        ([str(JSONL), "--month", "2024-13"], "out of range"),
        ([str(JSONL)], "--month"),
        ([str(JSONL), "--month", "2024-05", "--rejects", "r.jsonl"], "--skip-invalid"),
        (
            [
                str(JSONL),
                "--month",
                "2024-05",
                "-o",
                "o.jsonl",
                "--skip-invalid",
                "--rejects",
                "o.jsonl",
            ],
            "other than",
        ),
        ([str(JSONL), "--month", "2024-05", "--format", "xml"], "invalid choice"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["entitlements", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert words in err


# --- --jobs: the same bytes whatever the number of processes --------------------------------

#: A file with bad lines, a household that cannot be computed, duplicate ids across chunks,
#: a blank line, a line of invalid UTF-8 and one with a duplicate key, around the examples.
MESSY = [
    *JSONL.read_text(encoding="utf-8").splitlines(),
    BAD_LINE,
    '{"id": "F-975", "department": "975", "resources": "1", "children": []}',
    "",
    '{"id": "F-1", "department": "67", "resources": "1"}',
    '{"id": "F-x", "id": "F-y", "department": "67", "resources": "1"}',
    '{"id": "F-30", "department": "20", "resources": "1"}',
    *(line.replace('"F-', '"G-') for line in JSONL.read_text(encoding="utf-8").splitlines()),
    '{"id": "F-21", "department": "67", "resources": 1.5}',
    "not json",
]


def _messy_file(tmp_path: Path) -> Path:
    path = tmp_path / "messy.jsonl"
    data = ("\n".join(MESSY) + "\n").encode("utf-8")
    path.write_bytes(data.replace(b'"G-3"', b'"G-\xff3"'))  # invalid UTF-8 on one line
    return path


def _run_jobs(
    tmp_path: Path, source: Path, jobs: int, *options: str, suffix: str = ".jsonl"
) -> tuple[int, bytes, bytes, str]:
    """Exit status, output, rejects and standard error of one run with ``--jobs``."""
    output = tmp_path / f"out-{jobs}{suffix}"
    rejects = tmp_path / f"rejects-{jobs}.jsonl"
    argv = ["entitlements", str(source), "--month", "2024-05", "-o", str(output)]
    if "--skip-invalid" in options:
        argv += ["--rejects", str(rejects)]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main([*argv, *options, "--jobs", str(jobs)])
    read = Path.read_bytes
    message = err.getvalue().replace(str(rejects), "REJECTS")
    return (
        status,
        read(output) if output.exists() else b"",
        read(rejects) if rejects.exists() else b"",
        message,
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Chunks of 4 lines: the example files make several chunks, so worker processes run
    # and chunks come back out of order with respect to their completion.
    monkeypatch.setattr(entitlements_command, "CHUNK_LINES", 4)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("source", [JSONL, CSV], ids=["jsonl-in", "csv-in"])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"], ids=["jsonl-out", "csv-out"])
def test_jobs_give_byte_identical_output_on_the_examples(
    tmp_path: Path, source: Path, suffix: str
) -> None:
    one = _run_jobs(tmp_path, source, 1, suffix=suffix)
    two = _run_jobs(tmp_path, source, 2, suffix=suffix)
    assert one[0] == 0
    assert len(one[1].splitlines()) == 21 + (suffix == ".csv")
    assert two == one


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_jobs_reject_the_same_lines_the_same_way(tmp_path: Path, suffix: str) -> None:
    source = _messy_file(tmp_path)
    one = _run_jobs(tmp_path, source, 1, "--skip-invalid", suffix=suffix)
    two = _run_jobs(tmp_path, source, 2, "--skip-invalid", suffix=suffix)
    three = _run_jobs(tmp_path, source, 3, "--skip-invalid", suffix=suffix)
    assert one == two == three
    status, output, rejects, err = one
    assert status == 3
    assert len(output.splitlines()) == 21 + 20 + (suffix == ".csv")  # G-3 is not UTF-8
    lines = [json.loads(line)["line"] for line in rejects.splitlines()]
    assert lines == [22, 23, 25, 26, 27, 30, 49, 50]
    assert err == "allocations: 8 of 49 households rejected, listed in REJECTS\n"


@pytest.mark.usefixtures("small_chunks")
def test_jobs_stop_at_the_same_first_error_and_write_nothing(tmp_path: Path) -> None:
    source = _messy_file(tmp_path)
    one = _run_jobs(tmp_path, source, 1)
    assert one == _run_jobs(tmp_path, source, 2)
    assert one == (
        1,
        b"",
        b"",
        (
            f"allocations: error: {source}:22: field 'children[0].birth_date': '2012-13-01' "
            "is not a date (YYYY-MM-DD)\n"
        ),
    )
    assert sorted(os.listdir(tmp_path)) == ["messy.jsonl"]


@pytest.mark.usefixtures("small_chunks")
def test_a_duplicate_id_in_a_later_chunk_is_found(tmp_path: Path) -> None:
    source = tmp_path / "households.jsonl"
    lines = JSONL.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    status, output, _, err = _run_jobs(tmp_path, source, 2)
    assert (status, output) == (1, b"")
    assert err.endswith(":22: field 'id': 'F-3' is a duplicate household id (first on line 3)\n")


@pytest.mark.parametrize("jobs", ["0", "65", "two"])
def test_jobs_must_be_a_small_positive_number(
    jobs: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["entitlements", str(JSONL), "--month", "2024-05", "--jobs", jobs]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_an_unreadable_input_is_reported_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.jsonl"
    assert main(["entitlements", str(missing), "--month", "2024-05"]) == 1
    assert capsys.readouterr().err == (
        f"allocations: error: cannot use {str(missing)!r}: No such file or directory\n"
    )


def test_an_unwritable_output_is_reported_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "missing-directory" / "out.jsonl"
    assert main(["entitlements", str(JSONL), "--month", "2024-05", "-o", str(output)]) == 1
    assert capsys.readouterr().err == (
        f"allocations: error: cannot use {str(output)!r}: No such file or directory\n"
    )


def test_the_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("allocations")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "allocations"]
    output = tmp_path / "out.csv"
    result = subprocess.run(
        [*command, "entitlements", str(JSONL), "--month", "2024-05", "--output", str(output)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert output.read_text(encoding="utf-8").splitlines()[1].startswith(f"F-1,2024-05,{F1_GROSS},")


# --- the progress line -----------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal_every_n_items() -> None:
    stream = _Terminal()
    clock = iter([10.0, 12.0, 14.0, 15.0]).__next__
    with Progress("households", every=100_000, stream=stream, clock=clock) as progress:
        for _ in range(250_000):
            progress.advance()
    assert stream.getvalue() == (
        "\rallocations: 100,000 households (50,000/s)"
        "\rallocations: 200,000 households (50,000/s)"
        "\rallocations: 250,000 households in 5.0 s\n"
    )


def test_progress_is_silent_off_a_terminal_and_for_short_runs() -> None:
    stream = io.StringIO()
    with Progress("households", every=1, stream=stream) as progress:
        progress.advance(10)
    assert stream.getvalue() == ""
    terminal = _Terminal()
    with Progress("households", every=100, stream=terminal) as progress:
        progress.advance(99)
    assert terminal.getvalue() == ""


def test_progress_refuses_a_zero_interval() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Progress("households", every=0)
