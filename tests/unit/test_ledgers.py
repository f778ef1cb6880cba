"""The one ledger test suite, run against the in-memory, SQLite and PostgreSQL ledgers.

Expected behaviour comes from DESIGN.md principles 3 and 4 (same key and content: EXISTS;
other content: an error naming the fields, nothing written; records never edited) and from
the lifecycle table in ``allocations.payments._lifecycle``.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from allocations import (
    ConfigurationError,
    DuplicatePaymentError,
    IdempotencyConflictError,
    IllegalTransitionError,
    InvalidInputError,
    LedgerError,
    Month,
    UnknownInstructionError,
)
from allocations.adapters import _sql_ledger
from allocations.adapters.ledger_url import DEFAULT_LEDGER_URL, open_ledger
from allocations.adapters.sqlite_ledger import SQLiteLedger
from allocations.payments import (
    InMemoryLedger,
    InstructionState,
    Ledger,
    PaymentBlock,
    PaymentFile,
    PaymentKind,
    RecordOutcome,
    StateChange,
)
from tests.conftest_ledgers import (
    NOW,
    LedgerFactory,
    Ticker,
    contents,
    drop_schema,
    instruction,
    postgres_url,
)

S = InstructionState
CREATED, EXISTS = RecordOutcome.CREATED, RecordOutcome.EXISTS
MAY = Month(2024, 5)


def test_every_ledger_satisfies_the_protocol(ledger: Ledger) -> None:
    assert isinstance(ledger, Ledger)


# -- recording ---------------------------------------------------------------------------


def test_recording_twice_is_created_then_exists(ledger: Ledger) -> None:
    first, second = instruction(1), instruction(2)
    assert ledger.record([first, second, first]) == [CREATED, CREATED, EXISTS]
    assert ledger.record([second, instruction(3)]) == [EXISTS, CREATED]
    assert ledger.count_by_state()[S.PLANNED] == 3
    assert ledger.get(first.end_to_end_id).instruction == first
    assert ledger.get(first.key).state is S.PLANNED


def test_a_recorded_instruction_inside_a_new_batch_is_found(ledger: Ledger) -> None:
    # New instructions at both ends of the batch, a recorded one in the middle: the SQLite
    # ledger's all-new shortcut must notice it (and undo its insertions on a conflict).
    ledger.record([instruction(1)])
    before = contents(ledger)
    with pytest.raises(IdempotencyConflictError, match="amount"):
        ledger.record([instruction(2), instruction(1, amount="1.00"), instruction(3)])
    assert contents(ledger) == before
    assert ledger.record([instruction(4), instruction(1), instruction(5)]) == [
        CREATED,
        EXISTS,
        CREATED,
    ]
    assert ledger.count_by_state()[S.PLANNED] == 3


def test_an_empty_batch_records_nothing(ledger: Ledger) -> None:
    assert ledger.record([]) == []
    assert sum(ledger.count_by_state().values()) == 0


def test_same_key_other_amount_is_an_error_and_the_ledger_is_unchanged(ledger: Ledger) -> None:
    ledger.record([instruction(1, amount="148.52")])
    before = contents(ledger)
    changed = instruction(1, amount="150.00")
    with pytest.raises(
        IdempotencyConflictError, match=r"amount \(recorded 148\.52, given 150\.00\)"
    ):
        ledger.record([instruction(2), changed])
    assert contents(ledger) == before  # instruction 2 was not written either
    assert ledger.get(changed.key).instruction.amount == Decimal("148.52")


def test_a_conflict_names_every_differing_field_and_masks_the_iban(ledger: Ledger) -> None:
    ledger.record([instruction(1)])
    changed = instruction(1, amount="1.00", account=999, name="Pierre Curie")
    with pytest.raises(IdempotencyConflictError) as caught:
        ledger.record([changed])
    message = str(caught.value)
    for field in ("amount", "creditor.name", "creditor.iban"):
        assert field in message
    assert changed.creditor.iban not in message
    assert "FR" in message
    assert "****" in message


def test_a_key_repeated_with_other_content_inside_one_batch_is_refused(ledger: Ledger) -> None:
    with pytest.raises(IdempotencyConflictError, match="department"):
        ledger.record([instruction(1), instruction(1, department="75")])
    assert sum(ledger.count_by_state().values()) == 0


def test_record_refuses_what_is_not_an_instruction(ledger: Ledger) -> None:
    with pytest.raises(TypeError, match="PaymentInstruction"):
        ledger.record(["AF-202405-R01-X"])  # type: ignore[list-item]


def test_a_second_live_regular_attempt_is_refused(ledger: Ledger) -> None:
    ledger.record([instruction(1)])
    before = contents(ledger)
    with pytest.raises(DuplicatePaymentError, match="second live regular"):
        ledger.record([instruction(2), instruction(1, attempt=2)])
    assert contents(ledger) == before
    with pytest.raises(DuplicatePaymentError):
        ledger.record([instruction(5), instruction(5, attempt=2)])  # both in one batch
    assert contents(ledger) == before


def test_other_content_is_reported_before_a_second_live_payment(ledger: Ledger) -> None:
    # Found by the state machine: every ledger must raise the same error for a batch that
    # breaks both rules (the protocol says which).
    ledger.record([instruction("B2", period="2024-06"), instruction("B1", attempt=2)])
    before = contents(ledger)
    with pytest.raises(IdempotencyConflictError, match="amount"):
        ledger.record(
            [instruction("B1", attempt=1), instruction("B2", period="2024-06", amount="150.00")]
        )
    assert contents(ledger) == before


@pytest.mark.parametrize("dead_end", [[S.REJECTED], [S.ACCEPTED, S.RETURNED]])
def test_a_new_attempt_is_allowed_once_the_previous_one_is_dead(
    ledger: Ledger, dead_end: list[InstructionState]
) -> None:
    first = instruction(1)
    ledger.record([first])
    for state in [S.IN_FILE, S.SENT, *dead_end]:
        ledger.transition(first.key, state)
    assert ledger.record([instruction(1, attempt=2)]) == [CREATED]
    assert [s.attempt for s in ledger.live_regular(MAY)] == [2]


def test_a_settled_regular_payment_blocks_another_attempt(ledger: Ledger) -> None:
    first = instruction(1)
    ledger.record([first])
    for state in (S.IN_FILE, S.SENT, S.ACCEPTED, S.SETTLED):
        ledger.transition(first.key, state)
    with pytest.raises(DuplicatePaymentError):
        ledger.record([instruction(1, attempt=2)])


def test_other_kinds_may_have_several_live_attempts(ledger: Ledger) -> None:
    batch = [instruction(1, kind="catch_up", attempt=n) for n in (1, 2)]
    batch.append(instruction(1))  # and a regular payment of the same month
    assert ledger.record(batch) == [CREATED] * 3


# -- lifecycle ---------------------------------------------------------------------------


def test_the_happy_path_keeps_an_immutable_history(ledger: Ledger) -> None:
    paid = instruction(1)
    ledger.record([paid], at=NOW)
    for hour, state in enumerate((S.IN_FILE, S.SENT, S.ACCEPTED, S.SETTLED), start=1):
        result = ledger.transition(
            paid.end_to_end_id, state, reference=f"REF-{hour}", at=NOW + dt.timedelta(hours=hour)
        )
        assert not result.already
        assert result.event is not None
    history = ledger.history(paid.key)
    assert [(e.from_state, e.to_state) for e in history] == [
        (None, S.PLANNED),
        (S.PLANNED, S.IN_FILE),
        (S.IN_FILE, S.SENT),
        (S.SENT, S.ACCEPTED),
        (S.ACCEPTED, S.SETTLED),
    ]
    assert [e.sequence for e in history] == [0, 1, 2, 3, 4]
    assert history[0].at == NOW
    assert history[-1].at == NOW + dt.timedelta(hours=4)
    assert history[-1].reference == "REF-4"
    entry = ledger.get(paid.key)
    assert (entry.state, entry.recorded_at, entry.state_since) == (S.SETTLED, NOW, history[-1].at)


def test_a_report_ingested_twice_is_already_applied(ledger: Ledger) -> None:
    paid = instruction(1)
    ledger.record([paid])
    for state in (S.IN_FILE, S.SENT, S.ACCEPTED):
        ledger.transition(paid.key, state)
    history = ledger.history(paid.key)
    again = ledger.transition(paid.key, S.ACCEPTED, reason="ACCP")
    assert again.already
    assert again.event is None
    ledger.transition(paid.key, S.SETTLED)
    late = ledger.transition(paid.key, S.SENT)  # an old status read after settlement
    assert late.already
    assert ledger.history(paid.key)[: len(history)] == history
    assert ledger.get(paid.key).state is S.SETTLED


def test_an_illegal_transition_names_both_states_and_changes_nothing(ledger: Ledger) -> None:
    rejected = instruction(1)
    ledger.record([rejected])
    ledger.transition(rejected.key, S.IN_FILE)
    before = contents(ledger)
    with pytest.raises(IllegalTransitionError, match="from in_file to settled"):
        ledger.transition(rejected.key, S.SETTLED)
    assert contents(ledger) == before
    for state in (S.SENT, S.REJECTED):
        ledger.transition(rejected.key, state)
    with pytest.raises(IllegalTransitionError, match="from rejected to accepted"):
        ledger.transition(rejected.key, S.ACCEPTED)  # final: a new attempt is a new key


def test_a_batch_of_changes_is_all_or_nothing(ledger: Ledger) -> None:
    a, b = instruction(1), instruction(2)
    ledger.record([a, b])
    before = contents(ledger)
    with pytest.raises(IllegalTransitionError):
        ledger.transition_many([StateChange(a.key, S.IN_FILE), StateChange(b.key, S.SENT)])
    assert contents(ledger) == before
    with pytest.raises(UnknownInstructionError, match="AF-202405-R01-NOPE"):
        ledger.transition_many(
            [StateChange(a.key, S.IN_FILE), StateChange("AF-202405-R01-NOPE", S.IN_FILE)]
        )
    assert contents(ledger) == before


def test_one_batch_may_move_an_instruction_twice(ledger: Ledger) -> None:
    a = instruction(1)
    ledger.record([a])
    results = ledger.transition_many(
        [StateChange(a.key, S.IN_FILE), StateChange(a.key, S.SENT), StateChange(a.key, S.SENT)],
        at=NOW,
    )
    assert [r.already for r in results] == [False, False, True]
    assert [e.sequence for e in ledger.history(a.key)] == [0, 1, 2]
    assert ledger.get(a.key).state is S.SENT


def test_transition_many_refuses_what_is_not_a_change(ledger: Ledger) -> None:
    with pytest.raises(TypeError, match="StateChange"):
        ledger.transition_many([(instruction(1).key, S.IN_FILE)])  # type: ignore[list-item]


def test_unknown_instructions_are_reported(ledger: Ledger) -> None:
    missing = instruction(9)
    for call in (ledger.get, ledger.history):
        with pytest.raises(UnknownInstructionError, match=missing.end_to_end_id):
            call(missing.key)
    with pytest.raises(UnknownInstructionError):
        ledger.transition(missing.end_to_end_id, S.IN_FILE)


def test_times_come_from_the_clock_or_an_aware_at(make_ledger: LedgerFactory) -> None:
    clock = Ticker()
    ledger = make_ledger(clock=clock)
    a = instruction(1)
    ledger.record([a])
    assert ledger.get(a.key).recorded_at == clock.now
    paris = dt.timezone(dt.timedelta(hours=2))
    event = ledger.transition(a.key, S.IN_FILE, at=dt.datetime(2024, 6, 3, 12, tzinfo=paris)).event
    assert event is not None
    assert event.at == dt.datetime(2024, 6, 3, 10, tzinfo=dt.UTC)
    with pytest.raises(InvalidInputError, match="timezone-aware"):
        ledger.transition(a.key, S.SENT, at=dt.datetime(2024, 6, 3, 12))


def test_a_ledger_without_clock_needs_an_explicit_time() -> None:
    ledger = InMemoryLedger()
    with pytest.raises(TypeError, match="no clock"):
        ledger.record([instruction(1)])
    assert ledger.record([instruction(1)], at=NOW) == [CREATED]
    assert ledger.record([instruction(1)]) == [EXISTS]  # nothing to stamp


# -- queries -----------------------------------------------------------------------------


def _population() -> list:
    return [
        instruction("B2", period="2024-05"),
        instruction("B1", period="2024-06", department="75"),
        instruction("B1", period="2024-05", kind="catch_up"),
        instruction("B1", period="2024-05"),
        instruction("b0", period="2024-05", benefit="ARS"),
        instruction("B10", period="2024-05", department=None),
        instruction("É1", period="2024-05"),
    ]


def test_instructions_come_in_key_order_with_filters(ledger: Ledger) -> None:
    population = _population()
    ledger.record(population)
    ledger.transition(population[3].key, S.IN_FILE)
    keys = [
        (
            str(e.instruction.key.period),
            e.instruction.key.beneficiary_id,
            e.instruction.key.benefit,
            e.instruction.key.kind.value,
        )
        for e in ledger.instructions()
    ]
    # Code-point order: "B1" < "B10" < "B2" < "b0" < "É1"; then benefit, then kind value.
    assert keys == [
        ("2024-05", "B1", "AF", "catch_up"),
        ("2024-05", "B1", "AF", "regular"),
        ("2024-05", "B10", "AF", "regular"),
        ("2024-05", "B2", "AF", "regular"),
        ("2024-05", "b0", "ARS", "regular"),
        ("2024-05", "É1", "AF", "regular"),
        ("2024-06", "B1", "AF", "regular"),
    ]

    def ids(**filters: object) -> set[str]:
        return {e.end_to_end_id for e in ledger.instructions(**filters)}  # type: ignore[arg-type]

    assert ids(period=Month(2024, 6)) == {population[1].end_to_end_id}
    assert ids(kind=PaymentKind.CATCH_UP) == {population[2].end_to_end_id}
    assert ids(state=S.IN_FILE) == {population[3].end_to_end_id}
    assert ids(beneficiary_id="B1") == {population[i].end_to_end_id for i in (1, 2, 3)}
    assert ids(benefit="ARS") == {population[4].end_to_end_id}
    from allocations import Department

    assert ids(department=Department("75")) == {population[1].end_to_end_id}
    assert ids(period=MAY, beneficiary_id="B1", kind=PaymentKind.REGULAR) == {
        population[3].end_to_end_id
    }


def test_instructions_are_read_page_by_page(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sql_ledger, "_PAGE_SIZE", 3)
    batch = [instruction(f"B{n:02d}") for n in range(10)]
    ledger.record(batch)
    seen = []
    for entry in ledger.instructions(period=MAY):
        seen.append(entry.instruction)
        ledger.transition(entry.end_to_end_id, S.IN_FILE)  # writing while iterating is fine
    assert seen == batch
    assert ledger.count_by_state(MAY)[S.IN_FILE] == 10


def test_a_beneficiary_history_spans_months_and_pages(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database ledgers read one beneficiary month by month through the key index
    # (there is no index on the beneficiary alone): every month, in key order, page by page.
    monkeypatch.setattr(_sql_ledger, "_PAGE_SIZE", 2)
    months = [Month(2023, 11) + n for n in range(7)]
    ledger.record(
        [instruction(name, period=month) for month in months for name in ("A", "B1", "B2")]
        + [instruction("B1", period=months[2], kind="catch_up")]
    )
    history = [
        (str(entry.instruction.key.period), entry.instruction.key.kind.value)
        for entry in ledger.instructions(beneficiary_id="B1")
    ]
    assert history == sorted(
        [(str(month), "regular") for month in months] + [(str(months[2]), "catch_up")]
    )
    assert list(ledger.instructions(beneficiary_id="C")) == []


def test_a_new_entry_is_planned_since_its_recording(ledger: Ledger) -> None:
    ledger.record([instruction(1)])
    entry = ledger.get(instruction(1).key)
    assert (entry.state, entry.state_since) == (S.PLANNED, entry.recorded_at)
    (recording,) = ledger.history(entry.end_to_end_id)
    assert (recording.sequence, recording.from_state, recording.to_state, recording.at) == (
        0,
        None,
        S.PLANNED,
        entry.recorded_at,
    )


def test_count_by_state_lists_every_state(ledger: Ledger) -> None:
    population = _population()
    ledger.record(population)
    ledger.transition(population[0].key, S.IN_FILE)
    counts = ledger.count_by_state(MAY)
    assert list(counts) == list(InstructionState)
    assert counts[S.PLANNED] == 5
    assert counts[S.IN_FILE] == 1
    assert sum(counts.values()) == 6
    assert ledger.count_by_state()[S.PLANNED] == 6
    assert sum(ledger.count_by_state(Month(2030, 1)).values()) == 0


def test_live_regular_lists_who_is_paid_for_a_month(ledger: Ledger) -> None:
    population = _population()
    ledger.record(population)
    dead = population[0]  # B2
    for state in (S.IN_FILE, S.SENT, S.REJECTED):
        ledger.transition(dead.key, state)
    summaries = list(ledger.live_regular(MAY))
    assert [(s.beneficiary_id, s.benefit) for s in summaries] == [
        ("B1", "AF"),
        ("B10", "AF"),
        ("b0", "ARS"),
        ("É1", "AF"),
    ]
    first = summaries[0]
    assert (first.amount, first.kind, first.attempt, first.state) == (
        Decimal("148.52"),
        PaymentKind.REGULAR,
        1,
        S.PLANNED,
    )
    assert first.department is not None
    assert first.department.code == "67"
    assert summaries[1].department is None
    assert [s.beneficiary_id for s in ledger.live_regular(MAY, benefit="ARS")] == ["b0"]


# -- the file journal --------------------------------------------------------------------


def _file(
    ids: list[str],
    *,
    message_id: str = "AF-202405-F001",
    block: str = "B1",
    created_at: dt.datetime = NOW,
) -> PaymentFile:
    return PaymentFile(
        message_id=message_id,
        period=MAY,
        sequence_number=1,
        requested_execution_date=dt.date(2024, 6, 5),
        blocks=[
            PaymentBlock(f"{message_id}-{block}", ids[:1]),
            PaymentBlock(f"{message_id}-{block}X", ids[1:]),
        ],
        created_at=created_at,
    )


def test_a_file_identity_is_recorded_once_and_returned_unchanged(ledger: Ledger) -> None:
    batch = [instruction(n) for n in range(3)]
    ledger.record(batch)
    file = _file([i.end_to_end_id for i in batch])
    assert ledger.allocate_file(file).outcome is CREATED
    later = attrs.evolve(file, created_at=NOW + dt.timedelta(hours=5))  # re-emission after a crash
    again = ledger.allocate_file(later)
    assert again.outcome is EXISTS
    assert again.file == file
    assert again.file.created_at == NOW
    assert list(ledger.files()) == [file]
    assert list(ledger.files(period=Month(2024, 6))) == []


def test_a_file_with_other_content_under_the_same_msgid_is_refused(ledger: Ledger) -> None:
    batch = [instruction(n) for n in range(3)]
    ledger.record(batch)
    file = _file([i.end_to_end_id for i in batch])
    ledger.allocate_file(file)
    with pytest.raises(IdempotencyConflictError, match="blocks"):
        ledger.allocate_file(_file([i.end_to_end_id for i in reversed(batch)]))
    with pytest.raises(IdempotencyConflictError, match="requested_execution_date"):
        ledger.allocate_file(attrs.evolve(file, requested_execution_date=dt.date(2024, 6, 6)))


def test_a_payment_goes_into_one_file_only(ledger: Ledger) -> None:
    batch = [instruction(n) for n in range(4)]
    ledger.record(batch)
    ids = [i.end_to_end_id for i in batch]
    ledger.allocate_file(_file(ids[:2]))
    before = contents(ledger)
    with pytest.raises(DuplicatePaymentError, match=ids[1]):
        ledger.allocate_file(_file(ids[1:], message_id="AF-202405-F002"))
    with pytest.raises(IdempotencyConflictError, match="payment information id"):
        ledger.allocate_file(
            PaymentFile(
                message_id="AF-202405-F003",
                period=MAY,
                sequence_number=3,
                requested_execution_date=dt.date(2024, 6, 5),
                blocks=[PaymentBlock("AF-202405-F001-B1", ids[2:])],  # F001's block id
                created_at=NOW,
            )
        )
    with pytest.raises(UnknownInstructionError, match="AF-202405-R01-NOTRECORDED"):
        ledger.allocate_file(
            _file([ids[2], "AF-202405-R01-NOTRECORDED"], message_id="AF-202405-F004")
        )
    assert contents(ledger) == before
    ledger.allocate_file(_file(ids[2:], message_id="AF-202405-F005"))
    assert [f.message_id for f in ledger.files()] == ["AF-202405-F001", "AF-202405-F005"]


def test_files_are_listed_by_period_then_sequence(ledger: Ledger) -> None:
    batch = [instruction(n) for n in range(4)]
    ledger.record(batch)
    ids = [i.end_to_end_id for i in batch]
    second = attrs.evolve(_file(ids[2:], message_id="M-2"), sequence_number=2)
    first = _file(ids[:2], message_id="M-1")
    ledger.allocate_file(second)
    ledger.allocate_file(first)
    assert list(ledger.files(period=MAY)) == [first, second]


# -- the run journal ---------------------------------------------------------------------


def test_run_events_are_appended_and_filtered(ledger: Ledger) -> None:
    override = ledger.record_event(
        "guard.override", MAY, {"operator": "ops-1", "dropped": ["B2"], "total": "1234.56"}, at=NOW
    )
    ledger.record_event("run.completed", MAY, {"files": 2})
    ledger.record_event("guard.override", Month(2024, 6), {})
    assert override.sequence == 1
    assert override.at == NOW
    assert override.payload == {"dropped": ["B2"], "operator": "ops-1", "total": "1234.56"}
    events = list(ledger.run_events())
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0] == override
    assert [e.kind for e in ledger.run_events(period=MAY)] == ["guard.override", "run.completed"]
    assert [e.period for e in ledger.run_events(kind="guard.override")] == [MAY, Month(2024, 6)]


def test_run_event_payloads_hold_no_floats(ledger: Ledger) -> None:
    with pytest.raises(TypeError, match="float"):
        ledger.record_event("guard.override", MAY, {"total": 1234.56})
    with pytest.raises(InvalidInputError, match="kind"):
        ledger.record_event("Guard Override", MAY, {})
    assert list(ledger.run_events()) == []


# -- lifetime, persistence, concurrency --------------------------------------------------


def test_a_closed_ledger_refuses_work(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    with ledger:
        ledger.record([instruction(1)])
    with pytest.raises(LedgerError, match="closed"):
        ledger.get(instruction(1).key)


def test_the_state_column_agrees_with_the_events(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger()
    population = _population()
    ledger.record(population)
    for state in (S.IN_FILE, S.SENT, S.ACCEPTED):
        ledger.transition(population[0].key, state)
    for entry in ledger.instructions():
        assert entry.state is ledger.history(entry.end_to_end_id)[-1].to_state


# The in-memory ledger belongs to one process: concurrency is a database matter.
@pytest.mark.parametrize("make_ledger", ["sqlite", "postgres"], indirect=True)
def test_two_workers_recording_overlapping_batches_record_each_payment_once(
    make_ledger: LedgerFactory,
) -> None:
    workers = [make_ledger(), make_ledger()]
    everyone = [instruction(f"B{n:03d}") for n in range(300)]
    batches = [everyone[:200], everyone[100:]]  # 100 instructions in both
    outcomes: list[list[RecordOutcome]] = [[], []]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        start.wait()
        try:
            for offset in range(0, 200, 25):
                outcomes[index] += workers[index].record(batches[index][offset : offset + 25])
        except BaseException as error:  # reported below: a thread's exception is not raised
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    created = sum(outcome is CREATED for outcome in outcomes[0] + outcomes[1])
    assert created == len(everyone)
    assert workers[0].count_by_state()[S.PLANNED] == len(everyone)


def test_the_sqlite_ledger_persists_and_checks_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with SQLiteLedger(path, clock=Ticker()) as ledger:
        ledger.record([instruction(1)])
    with SQLiteLedger(path, clock=Ticker()) as ledger:
        assert ledger.record([instruction(1)]) == [EXISTS]
        ledger._connection.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(LedgerError, match="version 99"):
        SQLiteLedger(path)
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    with pytest.raises(LedgerError, match=r"junk\.db"):
        SQLiteLedger(tmp_path / "junk.db")


def test_open_ledger_understands_the_documented_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert DEFAULT_LEDGER_URL == "sqlite:///allocations.db"
    with open_ledger(DEFAULT_LEDGER_URL) as ledger:
        assert isinstance(ledger, SQLiteLedger)
    assert (tmp_path / "allocations.db").exists()
    with open_ledger(f"sqlite:///{tmp_path}/absolute.db") as ledger:
        assert ledger.path == f"{tmp_path}/absolute.db"  # type: ignore[attr-defined]
    with open_ledger("memory://") as ledger:
        assert isinstance(ledger, InMemoryLedger)
    for url in ("mysql://user:secret@db/ledger", "allocations.db", "sqlite://"):
        with pytest.raises(ConfigurationError) as caught:
            open_ledger(url)
        assert "secret" not in str(caught.value)
        assert url.replace("secret", "***") in str(caught.value)


def test_open_ledger_reaches_postgresql() -> None:
    import psycopg

    url = postgres_url()
    schema = "test_open_ledger_url"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    separator = "&" if "?" in url else "?"
    try:
        with open_ledger(f"{url}{separator}options=-csearch_path%3D{schema}") as ledger:
            assert type(ledger).__name__ == "PostgresLedger"
            ledger.record([instruction(1)])
    finally:
        drop_schema(url, schema)


@pytest.mark.parametrize("make_ledger", ["sqlite", "postgres"], indirect=True)
def test_two_workers_racing_two_attempts_of_one_payment_record_only_one(
    make_ledger: LedgerFactory,
) -> None:
    workers = [make_ledger(), make_ledger()]
    attempts = [instruction(1, attempt=1), instruction(1, attempt=2)]
    start = threading.Barrier(2)
    results: list[object] = [None, None]

    def work(index: int) -> None:
        start.wait()
        try:
            results[index] = workers[index].record([attempts[index]])
        except DuplicatePaymentError as error:
            results[index] = error

    threads = [threading.Thread(target=work, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(type(result).__name__ for result in results) == ["DuplicatePaymentError", "list"]
    assert [s.attempt for s in workers[0].live_regular(MAY)] in ([1], [2])


@pytest.mark.parametrize("page", [1, 2, 3, 7, 1000])
def test_live_regular_reads_a_month_in_pages_without_skipping_or_repeating(
    ledger: Ledger, page: int
) -> None:
    # Pages end between two benefits of one beneficiary, between beneficiaries, on a dead
    # payment and at the end: the same payments, in the same order, as the model's.
    population = [
        instruction(beneficiary, benefit=benefit)
        for beneficiary in ("B1", "B10", "B2", "b0", "É1")
        for benefit in ("AF", "ARS", "CF")
    ]
    population += [instruction("B1", period="2024-04"), instruction("B3", kind="catch_up")]
    model = InMemoryLedger(clock=lambda: NOW)
    for each in (model, ledger):
        each.record(population)
        for state in (S.IN_FILE, S.SENT, S.REJECTED):
            each.transition(population[4].key, state)  # B10 ARS, dead
    if hasattr(ledger, "live_regular_page"):
        ledger.live_regular_page = page  # type: ignore[attr-defined]
    for benefit in (None, "ARS"):
        expected = list(model.live_regular(MAY, benefit=benefit))
        assert list(ledger.live_regular(MAY, benefit=benefit)) == expected
    assert len(expected) == 4
