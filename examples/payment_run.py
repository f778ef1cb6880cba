"""Two months of payments with ``allocations pay``, a guard stop, an override, a bank report.

Run from the ``examples/`` directory: ``python payment_run.py``. Everything happens in a
temporary directory (ledger, files); ``organisation.toml`` describes the paying body.

1. April 2024 from ``data/households.jsonl``: one household has no bank account, so the run
   stops before writing anything; with that household's account added, it pays.
2. May 2024 without one household: the pre-flight guard stops the run; the operator
   overrides it with a reason, kept in the ledger.
3. The bank answers May's file with a pain.002 rejecting one payment; the ledger follows.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

from allocations import Month, open_ledger
from allocations.cli import main

HERE = Path(__file__).resolve().parent
CONFIG = str(HERE / "organisation.toml")
# A valid French account for the household that has none in the data file (clé RIB 43).
MISSING_ACCOUNT = {"name": "Inès Haddad", "iban": "FR7630004000031234567890143"}


def pay(households: str, month: str, *extra: str) -> int:
    print(f"\n$ allocations pay {households} --month {month} {shlex.join(extra)}".rstrip())
    sys.stdout.flush()  # the command reports errors on stderr: keep both in order
    status = main(
        ["pay", households, "--month", month, "--config", CONFIG, "--out", "payments",
         "--ledger", "sqlite:///ledger.db", *extra]
    )  # fmt: skip
    print(f"(exit status {status})")
    return status


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"unexpected: not the case that {what}")


def pain002_rejecting(file_name: str, end_to_end_id: str) -> bytes:
    """The bank's status report: the file accepted, one transfer rejected (AC04, closed)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>BQ-STS-20240604-1</MsgId><CreDtTm>2024-06-04T09:00:00+02:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>{file_name.removesuffix(".xml")}</OrgnlMsgId>
  <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
 <OrgnlPmtInfAndSts><OrgnlPmtInfId>{file_name.removesuffix(".xml")}-P1</OrgnlPmtInfId>
  <PmtInfSts>ACCP</PmtInfSts>
  <TxInfAndSts><OrgnlEndToEndId>{end_to_end_id}</OrgnlEndToEndId><TxSts>RJCT</TxSts>
   <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Compte clos</AddtlInf></StsRsnInf>
  </TxInfAndSts></OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>""".encode()


def main_example() -> None:
    records = [
        json.loads(line)
        for line in (HERE / "data" / "households.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        Path("april.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        expect(pay("april.jsonl", "2024-04") == 1, "F-16 has no account: the run stops")
        expect(not Path("payments").exists(), "no payment file was written")
        expect(not Path("ledger.db").exists(), "nothing was journaled")

        for record in records:
            record.setdefault("holder", MISSING_ACCOUNT)
        lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
        Path("april.jsonl").write_text("".join(lines), encoding="utf-8")
        expect(pay("april.jsonl", "2024-04") == 0, "April is paid")

        Path("may.jsonl").write_text("".join(lines[:-1]), encoding="utf-8")  # one left out
        expect(pay("may.jsonl", "2024-05") == 1, "the guard stops May (report on stderr)")
        override = ("--override", "F-21 left for Belgium (ticket 4411)")
        expect(pay("may.jsonl", "2024-05", *override) == 0, "May is paid with the override")

        with open_ledger("sqlite:///ledger.db") as ledger:
            [may_file] = ledger.files(period=Month(2024, 5))
        report = Path("pain002.xml")
        report.write_bytes(pain002_rejecting(may_file.message_id, may_file.end_to_end_ids[0]))
        print("\n$ allocations ingest pain002.xml", flush=True)
        main(["ingest", str(report), "--ledger", "sqlite:///ledger.db"])
        print("\n$ allocations ledger status --month 2024-05")
        main(["ledger", "status", "--month", "2024-05", "--ledger", "sqlite:///ledger.db"])
        os.chdir(HERE)


if __name__ == "__main__":
    main_example()
