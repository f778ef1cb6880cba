"""The argparse helpers shared by the sub-commands (allocations.cli)."""

from __future__ import annotations

import argparse

import pytest

from allocations import Month
from allocations.cli import main, month_argument


def test_month_argument_parses_a_benefit_month() -> None:
    assert month_argument("2024-05") == Month(2024, 5)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2024-13", "month '2024-13' is out of range"),
        ("05/2024", "a month must be written 'YYYY-MM', got '05/2024'"),
    ],
)
def test_month_argument_refuses_with_the_reason(text: str, words: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=words):
        month_argument(text)


@pytest.mark.parametrize(
    "argv",
    [
        ["entitlements", "households.jsonl"],
        ["pay", "households.jsonl", "--config", "organisation.toml", "--out", "payments"],
        ["ledger", "status", "--ledger", "memory://"],
    ],
)
def test_every_month_option_refuses_a_bad_month_in_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # argparse converts --month before the handler runs: no file is read, no ledger opened.
    assert main([*argv, "--month", "2024-13"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "argument --month: month '2024-13' is out of range" in err
