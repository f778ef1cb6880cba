"""Validation of pain.001 files: SEPA rules (always) and the official XSD (when available).

Theory of operation. :func:`validate_pain001` reads the document once, as a stream of
elements (``defusedxml`` iterparse, no DTD, no entities), and checks the rules of the EPC
SCT implementation guidelines that the ISO schema does not express (SEPA_RULES.md; each
finding carries the rule's short name such as ``CHARSET`` or ``CTRLSUM``). Each credit
transfer is dropped from memory once checked; only the identifiers needed for duplicate
detection are kept. Then, when the optional dependency ``xmlschema`` is importable, the
document is validated against the shipped XSD of its version — lazily (one transaction's
subtree at a time) when it holds more elements than xmlschema's
``limits.MAX_XML_ELEMENTS`` (one million by default, about 50,000 transfers), so that
files of any size validate in flat memory. When ``xmlschema`` is missing, the report says
that the XSD part was skipped.

The checks are pure: bytes in, a :class:`ValidationReport` out.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import io
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any, Final
from xml.etree.ElementTree import Element, ParseError

import attrs
import defusedxml
from defusedxml import ElementTree as SafeElementTree

from allocations.bank_accounts import iban_refusal
from allocations.errors import Iso20022Error
from allocations.iso20022._charset import is_sepa_text
from allocations.iso20022._messages import (
    MessageDefinition,
    check_bytes,
    detect_message,
    message_of,
    unsafe_error,
)
from allocations.iso20022._values import BIC_2009, BIC_2014, MAX_AMOUNT_CENTS

__all__ = [
    "Finding",
    "Severity",
    "ValidationReport",
    "validate_against_xsd",
    "validate_pain001",
]

#: Findings kept per rule; the others are counted (a systematic error in a 100,000-transfer
#: file must not produce 100,000 lines).
MAX_FINDINGS_PER_RULE: Final = 20

# EPC: 2 decimals at most, no leading zeros, "." as separator ([AMOUNT], [CTRLSUM]).
_AMOUNT_TEXT = re.compile(r"(?:0|[1-9][0-9]*)(?:\.[0-9]{1,2})?")
_DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_COUNT_TEXT = re.compile(r"[0-9]{1,15}")
_IDENTIFIERS: Final = frozenset({"MsgId", "PmtInfId", "InstrId", "EndToEndId"})
# Maximum lengths of the SEPA subset ([LEN]): Nm is 140 in ISO but 70 in SEPA.
_MAX_LENGTHS: Final = {
    "Nm": 70,
    "Ustrd": 140,
    "AdrLine": 70,
    "Ref": 35,
    "MsgId": 35,
    "PmtInfId": 35,
    "InstrId": 35,
    "EndToEndId": 35,
}
# From 15 November 2026 addresses made of address lines only are refused ([ADDRESS]).
_UNSTRUCTURED_ADDRESS_END: Final = dt.date(2026, 11, 15)
_PAIN001: Final = frozenset({MessageDefinition.PAIN_001_001_03, MessageDefinition.PAIN_001_001_09})


class Severity(enum.Enum):
    """How serious a :class:`Finding` is.

    .. versionadded:: 0.1.0
    """

    #: The file breaks a rule: a bank may reject it (or one of its transactions).
    ERROR = "error"
    #: Allowed, but unusual or against a recommendation; check with the bank.
    WARNING = "warning"


@attrs.frozen
class Finding:
    """One problem found in a file.

    Args:
        severity: :attr:`Severity.ERROR` or :attr:`Severity.WARNING`.
        rule: the rule's short name from SEPA_RULES.md (``CHARSET``, ``LEN``, ``CTRLSUM``…)
            or ``XSD`` / ``XML``.
        message: what is wrong, naming the value.
        location: where, e.g. ``PmtInf[1]/CdtTrfTxInf[12]/Cdtr/Nm``.

    .. versionadded:: 0.1.0
    """

    severity: Severity
    rule: str
    message: str
    location: str = ""

    def __str__(self) -> str:
        where = f" {self.location}:" if self.location else ""
        return f"{self.severity.value} [{self.rule}]{where} {self.message}"


@attrs.frozen
class ValidationReport:
    """The result of :func:`validate_pain001` or :func:`validate_against_xsd`.

    Args:
        message: the message detected from the namespace (``None`` if it could not be read).
        findings: errors and warnings, in document order (SEPA rules first, then XSD).
        xsd_checked: whether the XSD validation ran.
        xsd_note: what happened to the XSD part (the schema used, or why it was skipped).
        number_of_transactions: the ``CdtTrfTxInf`` counted in the file.
        control_sum_cents: the sum of their amounts, in cents.
        omitted_findings: findings not kept beyond :data:`MAX_FINDINGS_PER_RULE` per rule.

    .. versionadded:: 0.1.0
    """

    message: MessageDefinition | None
    findings: tuple[Finding, ...]
    xsd_checked: bool
    xsd_note: str
    number_of_transactions: int = 0
    control_sum_cents: int = 0
    omitted_findings: int = 0

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity :attr:`Severity.ERROR`."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity :attr:`Severity.WARNING`."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)

    @property
    def is_valid(self) -> bool:
        """``True`` when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def rules_broken(self) -> frozenset[str]:
        """The short names of the rules with at least one error."""
        return frozenset(f.rule for f in self.errors)

    def format(self) -> str:
        """A plain-text report (what ``allocations validate`` prints).

        >>> from allocations.iso20022 import MessageDefinition, ValidationReport
        >>> report = ValidationReport(MessageDefinition.PAIN_001_001_09, (), False,
        ...                           "skipped: xmlschema is not installed")
        >>> print(report.format())
        message: pain.001.001.09
        transactions: 0, control sum: 0.00 EUR
        XSD: skipped: xmlschema is not installed
        SEPA rules and XSD: 0 errors, 0 warnings
        result: VALID
        """
        message = self.message.value if self.message else "unknown"
        cents = self.control_sum_cents
        lines = [
            f"message: {message}",
            f"transactions: {self.number_of_transactions}, control sum: "
            f"{cents // 100}.{cents % 100:02d} EUR",
            f"XSD: {self.xsd_note}",
            f"SEPA rules and XSD: {_plural(len(self.errors), 'error')}, "
            f"{_plural(len(self.warnings), 'warning')}",
        ]
        lines += [f"  {finding}" for finding in self.findings]
        if self.omitted_findings:
            lines.append(
                f"  ... and {self.omitted_findings} more findings not shown "
                f"(at most {MAX_FINDINGS_PER_RULE} per rule)"
            )
        lines.append(f"result: {'VALID' if self.is_valid else 'INVALID'}")
        return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class _Findings:
    """Collects findings with a limit per rule."""

    def __init__(self) -> None:
        self.kept: list[Finding] = []
        self.per_rule: Counter[str] = Counter()
        self.omitted = 0

    def add(self, severity: Severity, rule: str, message: str, location: str = "") -> None:
        self.per_rule[rule] += 1
        if self.per_rule[rule] > MAX_FINDINGS_PER_RULE:
            self.omitted += 1
        else:
            self.kept.append(Finding(severity, rule, message, location))

    def error(self, rule: str, message: str, location: str = "") -> None:
        self.add(Severity.ERROR, rule, message, location)

    def warning(self, rule: str, message: str, location: str = "") -> None:
        self.add(Severity.WARNING, rule, message, location)


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


class _Pain001Checker:
    """The SEPA rules over a stream of ``start``/``end`` events of one pain.001."""

    def __init__(self, message: MessageDefinition, findings: _Findings) -> None:
        self.message = message
        self.out = findings
        self.stack: list[str] = []
        self.elements: list[Element] = []
        self.payment_index = 0
        self.transaction_index = 0
        self.transactions = 0
        self.total_cents = 0
        self.group_count: int | None = None
        self.group_sum: int | None = None
        self.end_to_end_ids: set[str] = set()
        self.instruction_ids: set[str] = set()
        self.payment_ids: set[str] = set()
        self.execution_date: dt.date | None = None
        self.agent_identified = False
        self.bic = BIC_2014 if message is MessageDefinition.PAIN_001_001_09 else BIC_2009
        self._reset_payment()
        self._reset_transaction()
        self._reset_address()

    # -- state of the enclosing blocks -------------------------------------------------
    def _reset_payment(self) -> None:
        self.payment_count: int | None = None
        self.payment_sum: int | None = None
        self.payment_transactions = 0
        self.payment_cents = 0
        self.payment_service_level = False
        self.payment_charge_bearer = False
        self.transactions_without_service_level = 0
        self.transactions_without_charge_bearer = 0

    def _reset_transaction(self) -> None:
        self.unstructured = 0
        self.structured = False
        self.has_creditor_name = False
        self.has_creditor_account = False
        self.service_level = False
        self.charge_bearer = False

    def _reset_address(self) -> None:
        self.address_lines = 0
        self.address_town = False
        self.address_country = False

    def location(self) -> str:
        parts: list[str] = []
        for name in self.stack[2:]:
            if name == "PmtInf":
                parts.append(f"PmtInf[{self.payment_index}]")
            elif name == "CdtTrfTxInf":
                parts.append(f"CdtTrfTxInf[{self.transaction_index}]")
            else:
                parts.append(name)
        return "/".join(parts)

    def within(self, *names: str) -> bool:
        return tuple(self.stack[-len(names) - 1 : -1]) == names

    # -- events ---------------------------------------------------------------------------
    def start(self, element: Element) -> None:
        name = element.tag.rpartition("}")[2]
        self.stack.append(name)
        self.elements.append(element)
        if name == "PmtInf":
            self.payment_index += 1
            self._reset_payment()
        elif name == "CdtTrfTxInf":
            self.transaction_index += 1
            self._reset_transaction()
        elif name == "PstlAdr":
            self._reset_address()
        elif name == "Strd":
            self.structured = True
        elif name == "EqvtAmt":
            self.out.error(
                "AMOUNT", "EqvtAmt is not allowed in SEPA: use InstdAmt", self.location()
            )
        elif name == "DbtrAgt":
            self.agent_identified = False

    def end(self, element: Element) -> None:
        name = self.stack[-1]
        if len(element) == 0:
            self.leaf(name, (element.text or ""), element)
        handler = _END_HANDLERS.get(name)
        if handler is not None:
            handler(self, element)
        self.stack.pop()
        self.elements.pop()
        if name == "CdtTrfTxInf" and self.elements:
            # Constant memory: the checked transaction leaves the tree.
            self.elements[-1].remove(element)

    def leaf(self, name: str, text: str, element: Element) -> None:
        where = self.location
        if text and not is_sepa_text(text):
            bad = sorted({c for c in text if not is_sepa_text(c)})
            self.out.error(
                "CHARSET",
                f"{text!r} contains characters outside the SEPA basic set: {bad!r}",
                where(),
            )
        limit = _MAX_LENGTHS.get(name)
        if limit is not None and len(text) > limit:
            self.out.error(
                "LEN", f"{text!r} has {len(text)} characters, more than {limit}", where()
            )
        if name in _IDENTIFIERS:
            self.identifier(name, text)
        elif name == "InstdAmt":
            self.amount(text, element)
        elif name in ("NbOfTxs", "CtrlSum"):
            self.declared_total(name, text)
        elif name == "PmtMtd" and text != "TRF":
            self.out.error("PMTMTD", f"PmtMtd is {text!r}; SEPA credit transfers use TRF", where())
        elif name == "ChrgBr":
            if text != "SLEV":
                self.out.error("CHRGBR", f"ChrgBr is {text!r}; SEPA allows only SLEV", where())
            if "CdtTrfTxInf" in self.stack:
                self.charge_bearer = True
            else:
                self.payment_charge_bearer = True
        elif name == "Cd" and self.within("SvcLvl"):
            if text != "SEPA":
                self.out.error("SVCLVL", f"SvcLvl/Cd is {text!r}; expected SEPA", where())
            if "CdtTrfTxInf" in self.stack:
                self.service_level = True
            else:
                self.payment_service_level = True
        elif name == "ReqdExctnDt" or (name in ("Dt", "DtTm") and self.within("ReqdExctnDt")):
            self.execution(name, text)
        elif name == "IBAN" and (refusal := iban_refusal(text)) is not None:
            # The payments' own checks (SEPA_RULES.md [IBAN] [IBAN-SEPA] [FR-RIB]), so that a
            # file is refused for exactly what the ledger refuses; the reason is quoted with
            # the IBAN masked, because reports end up in logs.
            self.out.error("IBAN", refusal, where())
        elif name in ("BIC", "BICFI") and self.bic.fullmatch(text) is None:
            self.out.error("BIC", f"{text!r} is not a valid {name} for {self.message}", where())
        elif name == "Nm" and self.within("Cdtr"):
            self.has_creditor_name = bool(text)
        elif name == "Ustrd":
            self.unstructured += 1
        elif name == "AdrLine":
            self.address_lines += 1
        elif name == "TwnNm":
            self.address_town = True
        elif name == "Ctry":
            self.address_country = True
        if name in ("BIC", "BICFI") or (name == "Id" and self.within("Othr")):
            self.agent_identified = True

    # -- leaf rules -----------------------------------------------------------------------
    def identifier(self, name: str, text: str) -> None:
        where = self.location()
        if not text:
            self.out.error("LEN", f"{name} is empty", where)
        elif text[0] == "/" or text[-1] == "/" or "//" in text:
            self.out.error(
                "ID-SLASH",
                f"{name} {text!r} must not start or end with '/' nor contain '//' (EPC "
                "clarification paper on slashes)",
                where,
            )
        elif text[0] == " " or text[-1] == " ":
            self.out.warning("ID", f"{name} {text!r} starts or ends with a space", where)
        if name == "EndToEndId":
            if text == "NOTPROVIDED":
                self.out.error(
                    "E2E-NOTPROVIDED",
                    "EndToEndId NOTPROVIDED: the project derives it from the payment's "
                    "business key, it must identify the payment",
                    where,
                )
            self.duplicate(self.end_to_end_ids, text, "ENDTOENDID-DUP", name, where)
        elif name == "InstrId":
            self.duplicate(self.instruction_ids, text, "INSTRID-DUP", name, where)
        elif name == "PmtInfId":
            self.duplicate(self.payment_ids, text, "PMTINFID-DUP", name, where)

    def duplicate(self, seen: set[str], text: str, rule: str, name: str, where: str) -> None:
        if text in seen:
            self.out.error(rule, f"{name} {text!r} appears more than once in the file", where)
        else:
            seen.add(text)

    def amount(self, text: str, element: Element) -> None:
        where = self.location()
        currency = element.get("Ccy")
        if currency != "EUR":
            self.out.error("CURRENCY", f"Ccy is {currency!r}; SEPA pays in EUR only", where)
        if _AMOUNT_TEXT.fullmatch(text) is None:
            self.out.error(
                "AMOUNT",
                f"amount {text!r} must be digits without leading zeros, '.' and at most 2 decimals",
                where,
            )
            if _DECIMAL_TEXT.fullmatch(text) is None:
                return
        cents = _cents(text)
        if not 1 <= cents <= MAX_AMOUNT_CENTS:
            self.out.error("AMOUNT", f"amount {text} is outside 0.01 to 999999999.99 EUR", where)
        if "CdtTrfTxInf" in self.stack:
            self.total_cents += cents
            self.payment_cents += cents

    def declared_total(self, name: str, text: str) -> None:
        level = "GrpHdr" if "GrpHdr" in self.stack else "PmtInf"
        if name == "NbOfTxs":
            if _COUNT_TEXT.fullmatch(text) is None:
                self.out.error(
                    "NBOFTXS", f"NbOfTxs {text!r} is not 1 to 15 digits", self.location()
                )
                return
            value = int(text)
        else:
            if _DECIMAL_TEXT.fullmatch(text) is None or (
                "." in text and len(text.partition(".")[2]) > 2
            ):
                self.out.error(
                    "CTRLSUM",
                    f"CtrlSum {text!r} is not an amount with 2 decimals at most",
                    self.location(),
                )
                return
            value = _cents(text)
        if level == "GrpHdr":
            if name == "NbOfTxs":
                self.group_count = value
            else:
                self.group_sum = value
        elif name == "NbOfTxs":
            self.payment_count = value
        else:
            self.payment_sum = value

    def execution(self, name: str, text: str) -> None:
        where = self.location()
        if name == "DtTm":
            self.out.warning(
                "REQDEXCTNDT",
                "ReqdExctnDt is given as DtTm; the EPC guidelines use Dt (a date)",
                where,
            )
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            self.out.error("REQDEXCTNDT", f"{text!r} is not a date", where)
            return
        self.execution_date = day
        if day.weekday() >= 5:
            self.out.warning(
                "TARGET2",
                f"requested execution date {day} is a {day:%A}, never a TARGET business day",
                where,
            )

    # -- end of blocks --------------------------------------------------------------------
    def end_address(self, element: Element) -> None:
        where = self.location()
        if self.address_lines > 2:
            self.out.error("ADDRESS", f"{self.address_lines} AdrLine; SEPA allows at most 2", where)
        if self.address_lines and not (self.address_town and self.address_country):
            day = self.execution_date
            message = (
                "address given as address lines only (no structured TwnNm and Ctry), refused "
                "from 2026-11-15 (EPC rulebook 2025 v1.1)"
            )
            if day is not None and day >= _UNSTRUCTURED_ADDRESS_END:
                self.out.error("ADDRESS-UNSTRUCTURED", message, where)
            else:
                self.out.warning("ADDRESS-UNSTRUCTURED", message, where)

    def end_account(self, element: Element) -> None:
        if not any(child.tag.endswith("}IBAN") for child in element.iter()):
            self.out.error(
                "IBAN", "the account must be identified by an IBAN (not Othr)", self.location()
            )
        elif self.stack[-1] == "CdtrAcct":
            self.has_creditor_account = True

    def end_debtor_agent(self, element: Element) -> None:
        if not self.agent_identified:
            self.out.warning(
                "AGENT",
                "the debtor agent has neither a BIC nor Othr/Id NOTPROVIDED (the DK SEPA "
                "schema requires one of them)",
                self.location(),
            )

    def end_party(self, element: Element) -> None:
        if self.stack[-1] == "Dbtr" and not any(child.tag.endswith("}Nm") for child in element):
            self.out.error("NAME", "the debtor has no Nm (mandatory in SEPA)", self.location())

    def end_transaction(self, element: Element) -> None:
        self.transactions += 1
        self.payment_transactions += 1
        where = self.location()
        if not self.has_creditor_name:
            self.out.error("NAME", "the creditor has no Nm (mandatory in SEPA)", where)
        if not self.has_creditor_account:
            self.out.error("IBAN", "the transaction has no CdtrAcct IBAN", where)
        if self.unstructured > 1 or (self.unstructured and self.structured):
            self.out.error(
                "RMTINF",
                "at most one Ustrd or one Strd, never both, never several",
                where,
            )
        if self.charge_bearer and self.payment_charge_bearer:
            self.out.error("CHRGBR", "ChrgBr given at both PmtInf and transaction level", where)
        if not self.service_level:
            self.transactions_without_service_level += 1
        if not self.charge_bearer:
            self.transactions_without_charge_bearer += 1

    def end_payment(self, element: Element) -> None:
        where = self.location()
        self.compare(
            "NBOFTXS", "NbOfTxs", self.payment_count, self.payment_transactions, where, str
        )
        self.compare("CTRLSUM", "CtrlSum", self.payment_sum, self.payment_cents, where, _euros)
        if not self.payment_service_level and self.transactions_without_service_level:
            self.out.error(
                "SVCLVL",
                f"{self.transactions_without_service_level} transactions without "
                "PmtTpInf/SvcLvl/Cd SEPA (at PmtInf or transaction level)",
                where,
            )
        if not self.payment_charge_bearer and self.transactions_without_charge_bearer:
            self.out.warning(
                "CHRGBR",
                "ChrgBr SLEV is not given (recommended once at PmtInf level)",
                where,
            )

    def end_document(self, element: Element) -> None:
        self.compare("NBOFTXS", "NbOfTxs", self.group_count, self.transactions, "GrpHdr", str)
        self.compare("CTRLSUM", "CtrlSum", self.group_sum, self.total_cents, "GrpHdr", _euros)

    def compare(
        self,
        rule: str,
        name: str,
        declared: int | None,
        actual: int,
        where: str,
        show: Callable[[int], str],
    ) -> None:
        if declared is None:
            if where != "GrpHdr" or name == "CtrlSum":
                self.out.warning(
                    rule, f"{name} is missing (the project writes it at both levels)", where
                )
        elif declared != actual:
            self.out.error(
                rule, f"{name} declares {show(declared)} but the file holds {show(actual)}", where
            )


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


_END_HANDLERS: Final = {
    "PstlAdr": _Pain001Checker.end_address,
    "DbtrAcct": _Pain001Checker.end_account,
    "CdtrAcct": _Pain001Checker.end_account,
    "DbtrAgt": _Pain001Checker.end_debtor_agent,
    "Dbtr": _Pain001Checker.end_party,
    "CdtTrfTxInf": _Pain001Checker.end_transaction,
    "PmtInf": _Pain001Checker.end_payment,
    "Document": _Pain001Checker.end_document,
}


def _check_prologue(data: bytes, findings: _Findings) -> bytes:
    if data.startswith(b"\xef\xbb\xbf"):
        findings.warning(
            "CHARSET", "the file starts with a UTF-8 byte-order mark (the DK guide forbids it)"
        )
        data = data[3:]
    if not data.startswith(b"<?xml"):
        findings.warning("ENCODING", "no XML declaration; UTF-8 is assumed")
        return data
    declaration = data[: data.find(b"?>") + 2]
    match = re.search(rb"encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']", declaration)
    if match is not None and match.group(1).upper() != b"UTF-8":
        findings.error(
            "ENCODING",
            f"the XML declaration says encoding {match.group(1).decode()!r}; SEPA files are UTF-8",
        )
    return data


def _sepa_pass(data: bytes, findings: _Findings) -> tuple[MessageDefinition | None, int, int]:
    message: MessageDefinition | None = None
    checker: _Pain001Checker | None = None
    try:
        events = SafeElementTree.iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=True
        )
        for event, element in events:
            if checker is None:
                message = message_of(element.tag)
                if message not in _PAIN001:
                    findings.error("MESSAGE", f"the document is a {message.value}, not a pain.001")
                    return message, 0, 0
                checker = _Pain001Checker(message, findings)
            if event == "start":
                checker.start(element)
            else:
                checker.end(element)
    except defusedxml.DefusedXmlException as error:
        findings.error("XML", str(unsafe_error(error)))
    except ParseError as error:
        findings.error("XML", f"the document is not well-formed XML: {error}")
    except Iso20022Error as error:
        findings.error("MESSAGE", str(error))
    if checker is None:
        return message, 0, 0
    return message, checker.transactions, checker.total_cents


@functools.cache
def _schema(message: MessageDefinition) -> Any:
    import xmlschema

    source = resources.files("allocations.iso20022").joinpath("schemas", message.schema_file)
    with resources.as_file(source) as path:
        return xmlschema.XMLSchema(str(path))


def _xsd_findings(
    data: bytes, message: MessageDefinition, findings: _Findings, elements: int | None
) -> tuple[bool, str]:
    try:
        import xmlschema
    except ImportError:
        return False, (
            "skipped: the optional dependency xmlschema is not installed "
            "(pip install 'allocations[validate]')"
        )
    schema = _schema(message)
    # Past xmlschema's element limit a full tree is refused (XMLResourceExceeded); a lazy
    # resource validates one subtree at a time (depth 3 = each CdtTrfTxInf) with no limit.
    lazy: bool | int = False
    if elements is None or elements >= xmlschema.limits.MAX_XML_ELEMENTS:
        lazy = 3
    namespace = "{" + message.namespace + "}"
    try:
        resource = xmlschema.XMLResource(io.BytesIO(data), lazy=lazy, defuse="always", allow="none")
        for error in schema.iter_errors(resource):
            reason = str(error.reason or error.message).replace(namespace, "")
            findings.error("XSD", reason, str(error.path or "").replace("/Document/", ""))
    except xmlschema.XMLResourceError as error:
        # Not well-formed past the root element (detect_message reads only the start).
        findings.error("XML", f"the document cannot be read: {error}")
        return False, "skipped: the document is not well-formed XML"
    mode = "lazily, one transaction at a time" if lazy else "in memory"
    return True, f"checked against {message.schema_file} ({mode})"


def _count_elements(data: bytes) -> int:
    # Each element has exactly one start tag; "<" also opens end tags, comments and the
    # declaration, so this over-counts, which only makes lazy validation more likely.
    return data.count(b"<") - data.count(b"</")


def validate_against_xsd(data: bytes) -> ValidationReport:
    """Validate any supported message against its shipped XSD (needs ``xmlschema``).

    The message and version come from the namespace. Without ``xmlschema`` the report has
    no finding and says the check was skipped (``xsd_checked`` is ``False``).

    Args:
        data: the document's bytes.

    Returns:
        A :class:`ValidationReport` with the XSD findings (rule ``XSD``).

    Raises:
        TypeError: ``data`` is not bytes.
        Iso20022Error: the document cannot be read (not XML, a DTD or entity, an unknown
            namespace).

    >>> from allocations.iso20022 import validate_against_xsd
    >>> report = validate_against_xsd(
    ...     b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>')
    >>> report.is_valid, report.findings[0].rule
    (False, 'XSD')

    .. versionadded:: 0.1.0
    """
    raw = check_bytes(data)
    message = detect_message(raw)
    findings = _Findings()
    checked, note = _xsd_findings(raw, message, findings, _count_elements(raw))
    return ValidationReport(
        message=message,
        findings=tuple(findings.kept),
        xsd_checked=checked,
        xsd_note=note,
        omitted_findings=findings.omitted,
    )


def validate_pain001(data: bytes, *, xsd: bool = True) -> ValidationReport:
    """Check a pain.001 (``.03`` or ``.09``) against the SEPA rules and the official XSD.

    SEPA rules checked (short names from SEPA_RULES.md): ``CHARSET`` (every text in the
    SEPA basic set; a BOM is a warning), ``ENCODING``, ``LEN`` (Nm 70, Ustrd 140, AdrLine 70),
    ``ID``/``ID-SLASH`` (identifiers), ``ENDTOENDID-DUP``, ``INSTRID-DUP``, ``PMTINFID-DUP``,
    ``E2E-NOTPROVIDED``, ``NBOFTXS`` and ``CTRLSUM`` at both levels (integer cents),
    ``AMOUNT`` (0.01 to 999999999.99, 2 decimals, no leading zeros, no EqvtAmt),
    ``CURRENCY`` (EUR), ``CHRGBR`` (SLEV, not at both levels), ``PMTMTD`` (TRF), ``SVCLVL``
    (SEPA), ``REQDEXCTNDT`` and ``TARGET2`` (weekends only: holidays need the calendar),
    ``IBAN`` (accounts by IBAN; form, SEPA country, length and national format, mod 97-10
    check digits and *clé RIB*, as :func:`allocations.bank_accounts.iban_refusal`, whose
    reason the finding quotes), ``BIC``, ``AGENT``, ``NAME``, ``RMTINF``, ``ADDRESS`` and
    ``ADDRESS-UNSTRUCTURED`` (an error for execution from 2026-11-15).
    Then the XSD of the detected version when ``xmlschema`` is importable.

    Memory stays flat in the number of transactions, apart from the identifiers kept to
    find duplicates. The XSD part is slow (about 0.4 ms per transaction with xmlschema 4).

    Args:
        data: the file's bytes.
        xsd: ``False`` skips the XSD part (for a quick check of a large file).

    Returns:
        A :class:`ValidationReport`; malformed or hostile XML gives a report with an ``XML``
        error rather than an exception.

    Raises:
        TypeError: ``data`` is not bytes.
        Iso20022Error: ``data`` is larger than :data:`MAX_DOCUMENT_BYTES`.

    >>> import datetime as dt
    >>> from allocations.iso20022 import (CreditTransfer, FileHeader, PaymentOrganisation,
    ...                                   render_pain001, validate_pain001)
    >>> transfer = CreditTransfer("AF-1", "AF-1-1", 5000, "Zoe Dupont",
    ...                           "FR7630006000011234567890189", None, "AF 2027-02")
    >>> header = FileHeader("RUN-1", dt.datetime(2027, 2, 1, tzinfo=dt.timezone.utc), "RUN-1-P1",
    ...                     dt.date(2027, 2, 5), number_of_transactions=1, control_sum_cents=5000)
    >>> data = render_pain001(header, PaymentOrganisation("CAF", "FR1420041010050500013M02606"),
    ...                       [transfer])
    >>> report = validate_pain001(data)
    >>> report.is_valid, report.number_of_transactions, report.control_sum_cents
    (True, 1, 5000)
    >>> validate_pain001(data.replace(b"<NbOfTxs>1<", b"<NbOfTxs>2<")).rules_broken
    frozenset({'NBOFTXS'})

    .. versionadded:: 0.1.0
    """
    raw = check_bytes(data)
    findings = _Findings()
    body = _check_prologue(raw, findings)
    message, count, cents = _sepa_pass(body, findings)
    readable = not any(f.rule in ("XML", "MESSAGE") for f in findings.kept)
    if not xsd:
        checked, note = False, "skipped on request"
    elif message in _PAIN001 and readable:
        checked, note = _xsd_findings(raw, message, findings, _count_elements(raw))
    else:
        checked, note = False, "skipped: the document is not a readable pain.001"
    return ValidationReport(
        message=message,
        findings=tuple(findings.kept),
        xsd_checked=checked,
        xsd_note=note,
        number_of_transactions=count,
        control_sum_cents=cents,
        omitted_findings=findings.omitted,
    )
