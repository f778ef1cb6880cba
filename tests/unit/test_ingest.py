"""Bank reports into the ledger: pain.002 and camt.054, idempotent, unknown ids reported."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from allocations import (
    IllegalTransitionError,
    InMemoryLedger,
    InstructionState,
    Iso20022Error,
    MemorySink,
    UnknownInstructionError,
    apply_report,
    mark_file_sent,
    plan_payments,
    run_payments,
)
from tests.unit.test_run_support import MAY, NOW, config, households, ledger

FILE = "AF-2024-05-20240605-001"
S = InstructionState


def emitted(count: int = 4) -> tuple[InMemoryLedger, list[str]]:
    book = ledger()
    plan = plan_payments(households(count), MAY)
    run_payments(book, plan, config=config(), sink=MemorySink(), clock=lambda: NOW)
    return book, [i.end_to_end_id for i in plan.instructions]


def pain002(
    group: str | None,
    transactions: Sequence[tuple[str, str, str | None]] = (),
    msg: str = "STS-1",
) -> bytes:
    """A pain.002.001.10 about FILE: a group status and listed (e2e, status, reason) items."""
    listed = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>{status}</TxSts>"
        + (f"<StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf>" if reason else "")
        + "</TxInfAndSts>"
        for e2e, status, reason in transactions
    )
    block = (
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{FILE}-P1</OrgnlPmtInfId>{listed}</OrgnlPmtInfAndSts>"
        if listed
        else ""
    )
    return (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>'
        f"<GrpHdr><MsgId>{msg}</MsgId><CreDtTm>2024-06-04T08:00:00+00:00</CreDtTm></GrpHdr>"
        f"<OrgnlGrpInfAndSts><OrgnlMsgId>{FILE}</OrgnlMsgId>"
        "<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId>"
        + (f"<GrpSts>{group}</GrpSts>" if group else "")
        + f"</OrgnlGrpInfAndSts>{block}</CstmrPmtStsRpt></Document>"
    ).encode()


def camt054(entries: list[tuple[str, str, str | None]]) -> bytes:
    """A camt.054.001.02 with one booked entry per (e2e, DBIT|CRDT, return reason)."""
    body = "".join(
        f'<Ntry><Amt Ccy="EUR">148.52</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2024-06-05</Dt></BookgDt><NtryDtls><TxDtls>"
        f"<Refs><EndToEndId>{e2e}</EndToEndId></Refs>"
        + (f"<RtrInf><Rsn><Cd>{reason}</Cd></Rsn></RtrInf>" if reason else "")
        + "</TxDtls></NtryDtls></Ntry>"
        for e2e, direction, reason in entries
    )
    return (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>NTF-1</MsgId>"
        "<CreDtTm>2024-06-05T18:00:00+00:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>NTF-1-1</Id><CreDtTm>2024-06-05T18:00:00+00:00</CreDtTm>{body}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def states(book: InMemoryLedger, ids: list[str]) -> list[InstructionState]:
    return [book.get(e2e).state for e2e in ids]


def test_a_file_accepted_as_a_whole_is_sent_then_accepted() -> None:
    book, ids = emitted()
    report = apply_report(book, pain002("ACCP"))
    assert states(book, ids) == [S.ACCEPTED] * 4
    assert [r.to_state for r in report.applied] == [S.SENT, S.ACCEPTED] * 4
    assert report.clean
    assert [e.to_state for e in book.history(ids[0])] == [S.PLANNED, S.IN_FILE, S.SENT, S.ACCEPTED]


def test_the_same_report_twice_changes_nothing() -> None:
    book, ids = emitted()
    apply_report(book, pain002("PART", [(ids[1], "RJCT", "AC04")]))
    histories = [book.history(e2e) for e2e in ids]
    again = apply_report(book, pain002("PART", [(ids[1], "RJCT", "AC04")]))
    assert again.applied == ()
    assert again.already == (ids[1], ids[0], ids[2], ids[3])
    assert [book.history(e2e) for e2e in ids] == histories
    assert "already recorded: 4" in again.text()


def test_a_rejection_keeps_its_reason_and_a_partial_status_marks_the_others_sent() -> None:
    book, ids = emitted()
    apply_report(book, pain002("PART", [(ids[1], "RJCT", "AC04")]))
    assert states(book, ids) == [S.SENT, S.REJECTED, S.SENT, S.SENT]
    last = book.history(ids[1])[-1]
    assert (last.reason, last.reference) == ("AC04", "STS-1")


def test_an_unknown_id_is_listed_and_the_known_facts_are_applied() -> None:
    book, ids = emitted()
    report = apply_report(book, pain002("PART", [(ids[0], "ACCP", None), ("AF-X", "RJCT", "AC01")]))
    assert report.unknown == ("AF-X",)
    assert not report.clean
    assert "unknown: AF-X is not in this ledger" in report.text()
    assert book.get(ids[0]).state is S.ACCEPTED


def test_a_report_about_an_unknown_file_is_listed() -> None:
    report = apply_report(ledger(), pain002("ACCP"))
    assert report.unknown == (FILE,)


def test_camt054_settles_and_a_return_wins_over_the_booking() -> None:
    book, ids = emitted()
    report = apply_report(
        book,
        camt054([(e2e, "DBIT", None) for e2e in ids] + [(ids[2], "CRDT", "AC04")]),
    )
    assert states(book, ids) == [S.SETTLED, S.SETTLED, S.RETURNED, S.SETTLED]
    assert book.history(ids[2])[-1].reason == "AC04"
    assert report.clean
    assert apply_report(book, camt054([(ids[0], "DBIT", None)])).already == (ids[0],)


def test_a_fact_the_lifecycle_forbids_is_refused_and_listed() -> None:
    book, ids = emitted()
    apply_report(book, pain002("RJCT"))
    report = apply_report(book, pain002("ACCP", msg="STS-2"))
    assert [reference for reference, _ in report.refused] == ids
    assert "cannot go from rejected to accepted" in report.refused[0][1]
    assert states(book, ids) == [S.REJECTED] * 4


def test_a_status_about_a_planned_instruction_is_refused() -> None:
    book = ledger()
    plan = plan_payments(households(2), MAY)
    book.record(plan.instructions)
    e2e = next(iter(plan.instructions)).end_to_end_id
    report = apply_report(book, pain002(None, [(e2e, "ACCP", None)]))
    assert [reference for reference, _ in report.refused] == [e2e]
    assert book.get(e2e).state is S.PLANNED


def test_mark_file_sent_is_idempotent() -> None:
    book, ids = emitted()
    assert all(not r.already for r in mark_file_sent(book, FILE))
    assert all(r.already for r in mark_file_sent(book, FILE))
    assert states(book, ids) == [S.SENT] * 4
    with pytest.raises(UnknownInstructionError, match="AF-2024-05-20240605-002"):
        mark_file_sent(book, "AF-2024-05-20240605-002")


def test_mark_file_sent_refuses_a_file_not_written() -> None:
    book = ledger()
    with pytest.raises((UnknownInstructionError, IllegalTransitionError)):
        mark_file_sent(book, FILE)


def test_a_pain001_is_not_a_report() -> None:
    book, _ = emitted(1)
    sink = MemorySink()
    run_payments(
        book, plan_payments(households(1), MAY), config=config(), sink=sink, clock=lambda: NOW
    )
    with pytest.raises(Iso20022Error, match="bank reports"):
        apply_report(book, next(iter(sink.files.values())))
