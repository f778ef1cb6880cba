"""The payment run's core: plan, journal, emit, crash recovery, idempotency conflicts.

Amounts: see ``test_run_support`` (148.52 EUR net for two children in tranche 1, May 2024).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import attrs
import pytest

from allocations import (
    Child,
    Department,
    DuplicatePaymentError,
    HouseholdFileError,
    IdempotencyConflictError,
    InstructionState,
    InvalidInputError,
    MemorySink,
    PaymentPlan,
    PaymentTotals,
    RecordOutcome,
    payment_date,
    payment_order,
    plan_payments,
    run_payments,
    validate_pain001,
)
from allocations.iso20022 import MessageDefinition
from allocations.payments import Creditor, PaymentInstruction, PaymentKey
from tests.unit.test_run_support import (
    LATER,
    MAY,
    NET_TWO_CHILDREN,
    NOW,
    ONE_CHILD,
    PAY_DAY,
    config,
    french_iban,
    household,
    households,
    ledger,
)


class CrashError(Exception):
    """Raised by a checkpoint to simulate a crash right after a durable step."""


def crash_at(step: int) -> object:
    seen = 0

    def checkpoint(name: str) -> None:
        nonlocal seen
        seen += 1
        if seen == step:
            raise CrashError(name)

    return checkpoint


# -- plan --------------------------------------------------------------------------------


def test_one_regular_instruction_per_household_owed_something() -> None:
    plan = plan_payments([household(1, "67"), household(2, "75", children=ONE_CHILD)], MAY)
    [instruction] = list(plan.instructions)
    assert instruction.key == PaymentKey("F-0001", "AF", MAY, "regular", 1)
    assert instruction.amount == NET_TWO_CHILDREN
    assert instruction.creditor == Creditor("Allocataire 1", french_iban(1))
    assert instruction.requested_execution_date == PAY_DAY == payment_date(MAY, "67")
    assert instruction.remittance_information == "ALLOCATIONS FAMILIALES 2024-05 F-0001"
    assert instruction.department == Department("67")
    assert plan.totals == PaymentTotals(1, 14852)
    assert plan.households == 2
    # One child in metropolitan France: nothing is due (CSS art. L521-1), and the reason is kept.
    assert "L521-1" in plan.explanations["F-0002"]


def test_the_plan_does_not_depend_on_the_order_of_the_households() -> None:
    items = households(30)
    shuffled = list(items)
    random.Random(4).shuffle(shuffled)
    first, second = plan_payments(items, MAY), plan_payments(shuffled, MAY)
    assert list(first.instructions) == list(second.instructions)
    assert list(first.instructions) == sorted(first.instructions, key=payment_order)
    assert first.by_department == second.by_department


@pytest.mark.parametrize(
    ("broken", "field", "shown"),
    [
        (attrs.evolve(household(3), holder=None), "holder", "is missing"),
        (
            attrs.evolve(
                household(3),
                holder=attrs.evolve(household(3).holder, iban="FR7630006000011234567890188"),
            ),  # type: ignore[misc]
            "holder.iban",
            "FR76 **** **** 0188",
        ),
        (
            attrs.evolve(household(3), holder=attrs.evolve(household(3).holder, bic="NOT A BIC")),  # type: ignore[misc]
            "holder.bic",
            "ISO 9362",
        ),
        (household(3, name="王小明"), "holder.name", "王小明"),
        (attrs.evolve(household(3), id="F-" + "9" * 120), "id", "beneficiary_id"),
    ],
)
def test_a_household_that_cannot_be_paid_is_named_with_its_field(
    broken: object, field: str, shown: str
) -> None:
    with pytest.raises(HouseholdFileError) as caught:
        plan_payments([household(1), household(2), broken], MAY)  # type: ignore[list-item]
    assert caught.value.line == 3
    assert caught.value.field == field
    assert shown in str(caught.value)


def test_an_iban_is_masked_in_the_error() -> None:
    holder = attrs.evolve(household(3).holder, iban="FR7630006000011234567890188")  # type: ignore[misc]
    with pytest.raises(HouseholdFileError) as caught:
        plan_payments([attrs.evolve(household(3), holder=holder)], MAY)
    assert "3456" not in str(caught.value)


def test_a_repeated_household_id_is_refused_before_anything_is_written() -> None:
    with pytest.raises(DuplicatePaymentError, match="F-0001"):
        plan_payments([household(1), household(2), household(1)], MAY)


def test_a_plan_wants_a_reiterable() -> None:
    from allocations import Planner

    with pytest.raises(TypeError, match="re-iterable"):
        Planner(MAY).plan(iter([]))


# -- journal and emit ----------------------------------------------------------------------


def run(the_ledger: object, plan: PaymentPlan, **options: object) -> tuple[object, MemorySink]:
    sink = MemorySink()
    options.setdefault("config", config())
    options.setdefault("clock", lambda: NOW)
    report = run_payments(the_ledger, plan, sink=sink, **options)  # type: ignore[arg-type]
    return report, sink


def test_a_run_journals_emits_and_marks_every_instruction() -> None:
    book = ledger()
    plan = plan_payments(households(7), MAY)
    report, sink = run(book, plan, batch_size=3)
    assert (report.created, report.existing, report.journal_batches) == (7, 0, 3)  # type: ignore[attr-defined]
    assert list(sink.files) == ["AF-2024-05-20240605-001.xml"]
    assert book.count_by_state(MAY)[InstructionState.IN_FILE] == 7
    [file] = book.files(period=MAY)
    assert file.message_id == "AF-2024-05-20240605-001"
    assert file.created_at == NOW
    assert file.end_to_end_ids == tuple(i.end_to_end_id for i in plan.instructions)
    data = sink.files["AF-2024-05-20240605-001.xml"]
    validation = validate_pain001(data)
    assert validation.is_valid, validation.format()
    assert validation.xsd_checked
    assert validation.number_of_transactions == 7
    assert validation.control_sum_cents == 7 * 14852
    assert b"<CreDtTm>2024-06-03T08:00:00+00:00</CreDtTm>" in data


def test_a_rerun_records_nothing_and_writes_the_same_bytes_with_the_journaled_time() -> None:
    book = ledger()
    plan = plan_payments(households(7), MAY)
    _, first = run(book, plan)
    again, second = run(book, plan, clock=lambda: LATER)
    assert (again.created, again.existing, again.marked) == (0, 7, 0)  # type: ignore[attr-defined]
    assert again.files[0].outcome is RecordOutcome.EXISTS  # type: ignore[attr-defined]
    assert second.files == first.files


def _hand_plan(instructions: list[PaymentInstruction]) -> PaymentPlan:
    instructions.sort(key=payment_order)
    return PaymentPlan(
        month=MAY,
        benefit="AF",
        instructions=instructions,
        totals=PaymentTotals(len(instructions), sum(i.amount_cents for i in instructions)),
        by_department={},
        by_execution_date={},
        explanations={},
        households=len(instructions),
    )


def _instruction(number: int, day: dt.date) -> PaymentInstruction:
    return PaymentInstruction(
        key=PaymentKey(f"F-{number:04d}", "AF", MAY, "regular"),
        amount=Decimal("100.00") + number,
        creditor=Creditor(f"Allocataire {number}", french_iban(number)),
        requested_execution_date=day,
        remittance_information=f"ALLOCATIONS FAMILIALES 2024-05 F-{number:04d}",
        department="67",
    )


def test_files_are_grouped_by_date_and_split_at_the_limit() -> None:
    other_day = dt.date(2024, 6, 6)
    items = [_instruction(n, PAY_DAY) for n in range(5)] + [
        _instruction(n, other_day) for n in range(5, 7)
    ]
    book = ledger()
    report, sink = run(book, _hand_plan(items), config=config(max_transactions_per_file=2))
    assert list(sink.files) == [
        "AF-2024-05-20240605-001.xml",
        "AF-2024-05-20240605-002.xml",
        "AF-2024-05-20240605-003.xml",
        "AF-2024-05-20240606-001.xml",
    ]
    counts = [file.totals.count for file in report.files]  # type: ignore[attr-defined]
    assert counts == [2, 2, 1, 2]
    files = list(book.files(period=MAY))
    assert [f.sequence_number for f in files] == [1, 2, 3, 4]
    assert [f.requested_execution_date for f in files] == [PAY_DAY] * 3 + [other_day]
    in_files = [e2e for f in files for e2e in f.end_to_end_ids]
    assert in_files == [i.end_to_end_id for i in sorted(items, key=payment_order)]
    for data in sink.files.values():
        assert validate_pain001(data).is_valid


def test_pain_001_001_03_by_configuration() -> None:
    _, sink = run(
        ledger(),
        plan_payments(households(3), MAY),
        config=config(pain001_version="pain.001.001.03"),
    )
    [data] = sink.files.values()
    validation = validate_pain001(data)
    assert validation.message is MessageDefinition.PAIN_001_001_03
    assert validation.is_valid, validation.format()


@pytest.mark.parametrize("step", range(1, 17))
def test_a_crash_after_any_step_then_a_rerun_gives_the_uninterrupted_result(step: int) -> None:
    plan = plan_payments(households(9), MAY)
    options = {"batch_size": 2, "config": config(max_transactions_per_file=4)}
    clean_report, clean = run(ledger(), plan, **options)
    # 9 instructions in batches of 2: 5 journal batches; files of 4, 4 and 1 transactions:
    # 3 allocations, 3 writes, 2 + 2 + 1 batches of IN_FILE marks.
    assert clean_report.steps == 5 + 3 + 3 + 5  # type: ignore[attr-defined]

    book = ledger()
    with pytest.raises(CrashError):
        run(book, plan, checkpoint=crash_at(step), **options)
    _, resumed = run(book, plan, clock=lambda: LATER, **options)
    # The rerun writes every file again. Once the first file is allocated (step 6), the run's
    # CreDtTm is in the file journal: the files are byte-identical although the clock moved.
    # Before, the rerun allocates them all at its own time.
    expected = clean.files
    if step <= 5:
        old, new = b"2024-06-03T08:00:00+00:00", b"2024-06-04T09:30:00+00:00"
        expected = {name: data.replace(old, new) for name, data in clean.files.items()}
    assert resumed.files == expected
    entries = list(book.instructions(period=MAY))
    assert len(entries) == 9
    assert {entry.state for entry in entries} == {InstructionState.IN_FILE}


def test_a_changed_amount_is_a_conflict_naming_the_field_and_changes_nothing() -> None:
    book = ledger()
    plan = plan_payments(households(4), MAY)
    run(book, plan)
    before = [(e.instruction, e.state) for e in book.instructions(period=MAY)]
    changed = [
        attrs.evolve(i, amount=i.amount + 1) if i.key.beneficiary_id == "F-0002" else i
        for i in plan.instructions
    ]
    with pytest.raises(
        IdempotencyConflictError, match=r"amount \(recorded 148\.52, given 149\.52\)"
    ):
        run(book, attrs.evolve(plan, instructions=changed))
    assert [(e.instruction, e.state) for e in book.instructions(period=MAY)] == before


def test_a_household_added_after_emission_is_refused() -> None:
    book = ledger()
    run(book, plan_payments(households(4), MAY))
    with pytest.raises(IdempotencyConflictError, match="changed after the month was emitted"):
        run(book, plan_payments(households(5), MAY))
    assert sum(book.count_by_state(MAY).values()) == 4


def test_a_household_removed_after_journaling_stops_before_any_file() -> None:
    book = ledger()
    plan = plan_payments(households(4), MAY)
    with pytest.raises(CrashError):
        run(book, plan, checkpoint=crash_at(1))  # journaled, no file
    smaller, sink = plan_payments(households(3), MAY), MemorySink()
    with pytest.raises(IdempotencyConflictError, match="removed from the file"):
        run_payments(book, smaller, config=config(), sink=sink, clock=lambda: NOW)
    assert sink.files == {}


def test_instructions_out_of_payment_order_are_refused() -> None:
    items = [_instruction(n, PAY_DAY) for n in range(3)]
    plan = _hand_plan(items)
    backwards = attrs.evolve(plan, instructions=list(reversed(items)))
    with pytest.raises(InvalidInputError, match="payment order"):
        run(ledger(), backwards)


@pytest.mark.parametrize("size", [0, -1, 10**7, "5"])
def test_batch_size_is_checked(size: object) -> None:
    with pytest.raises(InvalidInputError, match="batch_size"):
        run(ledger(), plan_payments(households(1), MAY), batch_size=size)


def test_the_plan_and_the_configuration_must_agree_on_the_benefit() -> None:
    with pytest.raises(InvalidInputError, match="benefit"):
        run(ledger(), plan_payments(households(1), MAY), config=config(benefit="AB"))


def test_a_zero_entitlement_is_not_paid() -> None:
    zero = household(5, children=(Child(birth_date=dt.date(2016, 9, 15)),))
    plan = plan_payments([zero], MAY)
    report, sink = run(ledger(), plan)
    assert plan.totals.count == 0
    assert sink.files == {}
    assert report.files == ()  # type: ignore[attr-defined]
