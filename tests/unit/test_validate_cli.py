"""``allocations validate FILE``: exit 0 valid, 1 invalid, 2 bad arguments."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from allocations.cli import main
from tests.unit.test_validate import pain001

DATA = Path(__file__).resolve().parents[1] / "data" / "iso20022"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["validate", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_valid_file_exits_0_with_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.xml"
    path.write_bytes(pain001())
    status, out, _ = run(capsys, str(path))
    assert status == 0
    assert out.splitlines()[:3] == [
        f"file: {path}",
        "message: pain.001.001.09",
        "transactions: 3, control sum: 300.06 EUR",
    ]
    assert "XSD: checked against pain.001.001.09.xsd" in out
    assert out.rstrip().endswith("result: VALID")


def test_invalid_file_exits_1_naming_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "run.xml"
    path.write_bytes(pain001().replace(b"<NbOfTxs>3</NbOfTxs>", b"<NbOfTxs>2</NbOfTxs>", 1))
    status, out, _ = run(capsys, str(path))
    assert status == 1
    assert "error [NBOFTXS] GrpHdr: NbOfTxs declares 2 but the file holds 3" in out
    assert out.rstrip().endswith("result: INVALID")


@pytest.mark.parametrize("content", [b"not xml", b'<Document xmlns="urn:x"/>'])
def test_unreadable_document_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "x.xml"
    path.write_bytes(content)
    status, out, _ = run(capsys, str(path))
    assert status == 1
    assert "result: INVALID" in out


def test_missing_file_or_argument_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, str(tmp_path / "absent.xml"))
    assert status == 2
    assert "cannot read" in err
    assert "absent.xml" in err
    status, _, _ = run(capsys)
    assert status == 2


@pytest.mark.parametrize(
    ("name", "summary"),
    [
        ("pain002_v03_partial.xml", "group status PART, 2 transactions listed"),
        ("camt054_v08_returns.xml", "4 transactions, 2 returns"),
    ],
)
def test_bank_reports_are_checked_against_their_xsd_and_read(
    capsys: pytest.CaptureFixture[str], name: str, summary: str
) -> None:
    status, out, _ = run(capsys, str(DATA / name))
    assert status == 0
    assert summary in out
    assert "XSD: checked against" in out


def test_no_xsd_and_require_xsd(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.xml"
    path.write_bytes(pain001())
    status, out, _ = run(capsys, str(path), "--no-xsd")
    assert (status, "XSD: skipped on request" in out) == (0, True)
    monkeypatch.setitem(sys.modules, "xmlschema", None)
    status, out, _ = run(capsys, str(path))
    assert status == 0
    assert "xmlschema is not installed" in out
    status, out, _ = run(capsys, str(path), "--require-xsd")
    assert status == 1
    assert "--require-xsd was given but the XSD part did not run" in out
