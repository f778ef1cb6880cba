"""``allocations calendar``: the README quick-start job."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from allocations.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["calendar", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_json_has_exactly_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--department", "67", "--year", "2026", "--format", "json")
    assert (status, err) == (0, "")
    payload = json.loads(out)
    assert list(payload) == ["department", "year", "holidays", "payment_dates"]
    assert payload["department"] == "67"
    assert payload["year"] == 2026
    # Bas-Rhin 2026: 11 national days + Good Friday + 26 Dec (CALENDARS.md §2, §3).
    assert len(payload["holidays"]) == 13
    assert {"date": "2026-04-03", "name": "Vendredi saint"} in payload["holidays"]
    assert all(list(item) == ["date", "name"] for item in payload["holidays"])
    # The 12 benefit months of 2026; March is paid Tue 7 Apr 2026 (LAW.md §12, published).
    assert [item["month"] for item in payload["payment_dates"]] == [
        f"2026-{m:02d}" for m in range(1, 13)
    ]
    assert {"month": "2026-03", "date": "2026-04-07"} in payload["payment_dates"]
    assert payload["payment_dates"][-1] == {"month": "2026-12", "date": "2027-01-05"}
    assert all(list(item) == ["month", "date"] for item in payload["payment_dates"])


def test_json_names_follow_the_locale(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "--department", "978", "--year", "2026", "--format", "json", "--locale", "en_GB"
    )
    assert status == 0
    names = {item["date"]: item["name"] for item in json.loads(out)["holidays"]}
    assert names["2026-05-28"] == "Abolition of Slavery (usage)"  # CALENDARS.md §4, Saint-Martin


def test_text_table(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--department", "67", "--year", "2026")
    assert (status, err) == (0, "")
    assert out.startswith("Calendrier 2026 — Bas-Rhin (67)\n")
    assert "Jours fériés (13)" in out
    assert "vendredi 3 avril 2026" in out
    assert "Vendredi saint" in out
    assert "mardi 7 avril 2026" in out
    assert "au lieu du dimanche 5 avril 2026" in out
    assert "mardi 5 janvier 2027" in out  # December's benefits, paid the next year
    assert max(len(line) for line in out.splitlines()) <= 92


def test_text_table_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--department", "2a", "--year", "2020", "--locale", "en_GB")
    assert status == 0
    assert out.startswith("Calendar 2020 — Corse-du-Sud (2A)\n")
    # Benefit month 2020-08 paid Mon 7 Sep 2020, "next" regime (LAW.md §12, published).
    assert "Monday, 7 September 2020" in out
    assert "instead of Saturday, 5 September 2020" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--department", "20", "--year", "2026"], "'20'"),
        (["--department", "96", "--year", "2026"], "'96'"),
        (["--department", "67", "--year", "1980"], "1980"),
        (["--department", "67", "--year", "2200"], "2200"),
        (["--department", "67", "--year", "soon"], "'soon'"),
        (["--department", "67", "--year", "2026", "--format", "xml"], "'xml'"),
        (["--department", "67", "--year", "2026", "--locale", "de_DE"], "'de_DE'"),
        (["--department", "67", "--year", "2026", "--locale", "xx"], "'xx'"),
        (["--year", "2026"], "--department"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


def test_help_states_which_months_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["calendar", "--help"])
    assert exit_info.value.code == 0
    assert "12 benefit months" in " ".join(capsys.readouterr().out.split())


def test_the_console_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "allocations", "calendar", "--department", "974", "--year", "2026", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert {"date": "2026-12-20", "name": "Abolition de l'esclavage"} in json.loads(result.stdout)[
        "holidays"
    ]
