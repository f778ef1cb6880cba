"""The pre-flight guard: each case stops the run (nothing emitted) unless explained or overridden.

April 2024 is paid first; May 2024 is then compared with it. Amounts: 148.52 EUR per
household with two children (see ``test_run_support``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from allocations import (
    Child,
    Department,
    FindingKind,
    GuardPolicy,
    InMemoryLedger,
    InstructionState,
    InvalidInputError,
    MemorySink,
    Month,
    PreflightError,
    evaluate_guard,
    plan_payments,
    run_payments,
)
from allocations.payments import PaymentKind, PaymentSummary
from allocations.payments._run import OVERRIDE_EVENT
from tests.unit.test_run_support import APRIL, MAY, NOW, config, household, households, ledger


def pay(book: InMemoryLedger, month: Month, items: list, **options: object) -> MemorySink:  # type: ignore[type-arg]
    sink = MemorySink()
    options.setdefault("config", config())
    run_payments(
        book,
        plan_payments(items, month),
        sink=sink,
        clock=lambda: NOW,
        **options,  # type: ignore[arg-type]
    )
    return sink


def paid_in_april(items: list) -> InMemoryLedger:  # type: ignore[type-arg]
    book = ledger()
    pay(book, APRIL, items)
    return book


def test_first_month_passes_with_a_note() -> None:
    book = ledger()
    sink = MemorySink()
    report = run_payments(
        book, plan_payments(households(3), MAY), config=config(), sink=sink, clock=lambda: NOW
    )
    assert report.guard.first_month
    assert report.guard.passed
    assert "first month" in report.guard.text()
    assert len(sink.files) == 1


def test_the_same_beneficiaries_pass() -> None:
    book = paid_in_april(households(6))
    sink = pay(book, MAY, households(6))
    assert len(sink.files) == 1


def test_an_absent_beneficiary_stops_the_run_and_nothing_is_emitted() -> None:
    book = paid_in_april(households(30))
    sink = MemorySink()
    with pytest.raises(PreflightError) as caught:
        run_payments(
            book, plan_payments(households(29), MAY), config=config(), sink=sink, clock=lambda: NOW
        )
    text = str(caught.value)
    assert "beneficiary F-0029 (971) was paid 148.52 EUR in 2024-04 and has no payment" in text
    assert "STOPPED, 1 finding" in text
    assert "--override" in text
    assert sink.files == {}
    # Journaled (write-ahead), not emitted.
    assert book.count_by_state(MAY)[InstructionState.PLANNED] == 29
    assert list(book.files(period=MAY)) == []


def test_an_explained_zero_passes_and_its_reason_is_reported() -> None:
    book = paid_in_april(households(30))
    # F-0029 (Guadeloupe) has no child in charge any more: nothing is due (CSS L521-1).
    items = [*households(29), household(29, "971", children=())]
    sink = MemorySink()
    report = run_payments(
        book, plan_payments(items, MAY), config=config(), sink=sink, clock=lambda: NOW
    )
    assert report.guard.findings == ()
    [explained] = report.guard.explained
    assert explained.beneficiary_id == "F-0029"
    assert explained.previous_amount == Decimal("148.52")
    assert "L521-1" in explained.reason
    assert "L521-1" in report.guard.text()
    assert len(sink.files) == 1


def test_a_total_moving_beyond_the_threshold_stops_the_run() -> None:
    book = paid_in_april(households(10))
    # May: two of the ten explained by a zero entitlement; the total falls by 20 %.
    items = households(8) + [
        household(n, "67", children=(Child(dt.date(2016, 9, 15)),)) for n in (8, 9)
    ]
    with pytest.raises(PreflightError, match=r"total moves by -20\.00 %") as caught:
        pay(book, MAY, items)
    assert "département" not in str(caught.value)


def test_a_total_within_a_larger_threshold_passes() -> None:
    book = paid_in_april(households(10))
    items = households(8) + [
        household(n, "67", children=(Child(dt.date(2016, 9, 15)),)) for n in (8, 9)
    ]
    sink = pay(book, MAY, items, config=config(guard=GuardPolicy(Decimal("25"))))
    assert len(sink.files) == 1


def test_a_department_without_payment_is_reported() -> None:
    items = households(30, departments=("67", "75", "2A"))
    book = paid_in_april(items)
    with pytest.raises(PreflightError) as caught:
        pay(book, MAY, [h for h in items if h.department.code != "2A"])
    text = str(caught.value)
    assert "département 2A was paid in 2024-04 (10 payments, 1,485.20 EUR)" in text
    assert "no payment at all in 2024-05" in text


def test_an_override_is_recorded_once_and_lets_the_run_go_on() -> None:
    book = paid_in_april(households(30))
    smaller = households(29)
    sink = pay(book, MAY, smaller, override="F-0029 moved to Belgium (ticket 4411)")
    assert len(sink.files) == 1
    [event] = book.run_events(period=MAY, kind=OVERRIDE_EVENT)
    assert event.payload["reason"] == "F-0029 moved to Belgium (ticket 4411)"
    assert event.payload["finding_count"] == 1
    # The same override again: no second record; without it, the recorded decision covers
    # these very findings.
    pay(book, MAY, smaller, override="F-0029 moved to Belgium (ticket 4411)")
    pay(book, MAY, smaller)
    assert len(list(book.run_events(period=MAY, kind=OVERRIDE_EVENT))) == 1


def test_a_stopped_run_resumed_with_an_override_writes_the_uninterrupted_files() -> None:
    april = households(30)
    clean_book = paid_in_april(april)
    clean = pay(clean_book, MAY, households(29), override="checked")
    book = paid_in_april(april)
    with pytest.raises(PreflightError):
        pay(book, MAY, households(29))
    resumed = pay(book, MAY, households(29), override="checked")
    assert resumed.files == clean.files


def test_an_override_covers_only_the_findings_it_saw() -> None:
    book = paid_in_april(households(40))
    pay(book, MAY, households(39), override="F-0039 left")
    june = Month(2024, 6)
    pay(book, june, households(39))  # no finding: same 39 as in May
    with pytest.raises(PreflightError):
        pay(book, Month(2024, 7), households(38))  # a new absence needs a new decision


def summary(who: str, month: Month, amount: str, department: str = "67") -> PaymentSummary:
    return PaymentSummary(
        f"E2E-{who}",
        who,
        "AF",
        month,
        PaymentKind.REGULAR,
        1,
        Decimal(amount),
        Department(department),
        InstructionState.IN_FILE,
    )


def test_evaluate_guard_merges_both_months_in_beneficiary_order() -> None:
    def paid(who: str, month: Month, amount: str, code: str) -> PaymentSummary:
        return PaymentSummary(
            f"E2E-{who}", who, "AF", month, PaymentKind.REGULAR, 1, Decimal(amount),
            Department(code), InstructionState.IN_FILE,
        )  # fmt: skip

    report = evaluate_guard(
        [paid("A", APRIL, "100.00", "67"), paid("B", APRIL, "100.00", "75"), paid("D", APRIL, "100.00", "67")],
        [paid("A", MAY, "100.00", "67"), paid("C", MAY, "100.00", "67"), paid("D", MAY, "105.00", "67")],
        month=MAY,
        benefit="AF",
        explanations={},
    )  # fmt: skip
    assert [(f.kind, f.subject) for f in report.findings] == [
        (FindingKind.ABSENT_BENEFICIARY, "B"),
        (FindingKind.DEPARTMENT_WITHOUT_PAYMENT, "75"),
    ]
    # (305 - 300) / 300 = +1.67 %: within 10 %.
    assert report.change_percent == Decimal("1.67")
    assert (report.previous_count, report.current_count) == (3, 3)


def test_evaluate_guard_refuses_unsorted_input() -> None:
    with pytest.raises(InvalidInputError, match="sorted by beneficiary id"):
        evaluate_guard(
            [summary("B", APRIL, "1.00"), summary("A", APRIL, "1.00")],
            [],
            month=MAY,
            benefit="AF",
            explanations={},
        )


def test_a_float_threshold_is_refused() -> None:
    with pytest.raises(TypeError, match="max_total_change_percent"):
        GuardPolicy(10.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        GuardPolicy("-1")


def test_the_fingerprint_depends_on_the_findings() -> None:
    def report(absent: str) -> str:
        return evaluate_guard(
            [summary(absent, APRIL, "1.00")], [], month=MAY, benefit="AF", explanations={}
        ).fingerprint

    assert report("A") == report("A")
    assert report("A") != report("B")
