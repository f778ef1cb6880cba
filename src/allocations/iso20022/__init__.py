"""ISO 20022 for SEPA credit transfers (public submodule).

- :func:`write_pain001` / :func:`render_pain001` write a pain.001 (``.09`` by default, or
  ``.03``) from :class:`CreditTransfer` values, streaming and byte-deterministic;
- :func:`validate_pain001` checks a file against the SEPA rules and, when ``xmlschema`` is
  installed, the official XSD;
- :func:`read_payment_status_report` reads a pain.002 (``.03``/``.10``) and
  :func:`read_camt054` a camt.054 (``.02``/``.08``), safely;
- :func:`to_sepa_text`, :func:`is_sepa_text`, :func:`check_sepa_identifier`: the SEPA
  character set.

Pure: bytes and values in, bytes and values out; no file, clock or environment.
"""

from allocations.iso20022._camt054 import (
    CreditDebit,
    DebitCreditNotification,
    EntryStatus,
    NotifiedTransaction,
    read_camt054,
)
from allocations.iso20022._charset import (
    SEPA_CHARACTERS,
    check_sepa_identifier,
    is_sepa_text,
    to_sepa_text,
)
from allocations.iso20022._messages import (
    MAX_DOCUMENT_BYTES,
    MessageDefinition,
    Reason,
    detect_message,
)
from allocations.iso20022._pain001 import BinarySink, render_pain001, write_pain001
from allocations.iso20022._pain002 import (
    PaymentInformationStatus,
    PaymentStatus,
    PaymentStatusReport,
    StatusLevel,
    TransactionStatus,
    read_payment_status_report,
)
from allocations.iso20022._validate import (
    MAX_FINDINGS_PER_RULE,
    Finding,
    Severity,
    ValidationReport,
    validate_against_xsd,
    validate_pain001,
)
from allocations.iso20022._values import (
    MAX_AMOUNT_CENTS,
    CreditTransfer,
    FileHeader,
    PaymentOrganisation,
)

__all__ = [
    "MAX_AMOUNT_CENTS",
    "MAX_DOCUMENT_BYTES",
    "MAX_FINDINGS_PER_RULE",
    "SEPA_CHARACTERS",
    "BinarySink",
    "CreditDebit",
    "CreditTransfer",
    "DebitCreditNotification",
    "EntryStatus",
    "FileHeader",
    "Finding",
    "MessageDefinition",
    "NotifiedTransaction",
    "PaymentInformationStatus",
    "PaymentOrganisation",
    "PaymentStatus",
    "PaymentStatusReport",
    "Reason",
    "Severity",
    "StatusLevel",
    "TransactionStatus",
    "ValidationReport",
    "check_sepa_identifier",
    "detect_message",
    "is_sepa_text",
    "read_camt054",
    "read_payment_status_report",
    "render_pain001",
    "to_sepa_text",
    "validate_against_xsd",
    "validate_pain001",
    "write_pain001",
]
