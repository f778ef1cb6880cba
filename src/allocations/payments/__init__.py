"""Payments: instructions with deterministic identities, their lifecycle, and the ledger.

- :class:`PaymentKey` → EndToEndId / InstrId (:mod:`._identity`);
- :class:`PaymentInstruction`, :class:`Creditor` (:mod:`._instruction`); the IBAN/BIC
  checks are re-exported from :mod:`allocations.bank_accounts`;
- the lifecycle table :data:`TRANSITIONS` (:mod:`._lifecycle`);
- the :class:`Ledger` protocol, its value types and :class:`InMemoryLedger`.

.. versionadded:: 0.1.0
"""

from allocations.payments._batch import PlannedBatch
from allocations.payments._iban import (
    FRENCH_FORMAT_COUNTRIES,
    SEPA_IBAN_FORMATS,
    mask_iban,
    rib_key,
    validate_bic,
    validate_iban,
)
from allocations.payments._identity import MAX_ATTEMPT, PaymentKey, PaymentKind
from allocations.payments._instruction import (
    MAX_AMOUNT,
    PLAIN_FIELDS,
    Creditor,
    PaymentInstruction,
    plain_values,
)
from allocations.payments._ledger import (
    Clock,
    FileAllocation,
    Ledger,
    LedgerEntry,
    PaymentBlock,
    PaymentFile,
    PaymentSummary,
    RecordOutcome,
    RunEvent,
    StateChange,
    StateEvent,
    TransitionResult,
)
from allocations.payments._lifecycle import (
    FINAL_STATES,
    INITIAL_STATE,
    TRANSITIONS,
    InstructionState,
    check_transition,
    lifecycle_tree,
)
from allocations.payments._memory import InMemoryLedger
from allocations.payments._pipeline import bulk_gc, pipelined

__all__ = [
    "FINAL_STATES",
    "FRENCH_FORMAT_COUNTRIES",
    "INITIAL_STATE",
    "MAX_AMOUNT",
    "MAX_ATTEMPT",
    "PLAIN_FIELDS",
    "SEPA_IBAN_FORMATS",
    "TRANSITIONS",
    "Clock",
    "Creditor",
    "FileAllocation",
    "InMemoryLedger",
    "InstructionState",
    "Ledger",
    "LedgerEntry",
    "PaymentBlock",
    "PaymentFile",
    "PaymentInstruction",
    "PaymentKey",
    "PaymentKind",
    "PaymentSummary",
    "PlannedBatch",
    "RecordOutcome",
    "RunEvent",
    "StateChange",
    "StateEvent",
    "TransitionResult",
    "bulk_gc",
    "check_transition",
    "lifecycle_tree",
    "mask_iban",
    "pipelined",
    "plain_values",
    "rib_key",
    "validate_bic",
    "validate_iban",
]
