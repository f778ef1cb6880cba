"""Which ISO 20022 message a document is, and safe parsing of untrusted XML.

Bank reports are untrusted input. They are parsed with ``defusedxml`` with every dangerous
feature refused: no DTD at all (so no entity expansion — "billion laughs" — and no external
entity or external DTD fetch). ISO 20022 messages never need a DTD. Every failure becomes an
:class:`~allocations.errors.Iso20022Error` that names the problem.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import re
from decimal import Decimal
from typing import Final
from xml.etree.ElementTree import Element, ParseError

import attrs
import defusedxml
from defusedxml import ElementTree as SafeElementTree

from allocations.errors import InvalidAmountError, Iso20022Error
from allocations.money import to_cents

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "MessageDefinition",
    "detect_message",
]

#: Largest document the readers and the validator accept (a limit on everything: a 1,000,000
#: transaction pain.001 is about 700 MB, a month of camt.054 far less).
MAX_DOCUMENT_BYTES: Final = 1 << 30

_NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:"
# xs:decimal without a sign (amounts in reports are never negative: CdtDbtInd gives the sign).
_DECIMAL: Final = re.compile(r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class MessageDefinition(enum.StrEnum):
    """The ISO 20022 message definitions this package writes or reads.

    The value is the message definition identifier, which is also the last part of the XML
    namespace (``urn:iso:std:iso:20022:tech:xsd:`` + value).

    >>> from allocations.iso20022 import MessageDefinition
    >>> MessageDefinition.PAIN_001_001_09.namespace
    'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'
    >>> MessageDefinition("camt.054.001.08").family
    'camt.054'

    .. versionadded:: 0.1.0
    """

    #: Customer Credit Transfer Initiation V03 (2009), still accepted by most banks.
    PAIN_001_001_03 = "pain.001.001.03"
    #: Customer Credit Transfer Initiation V09 (2019), the EPC rulebooks' version since
    #: 19 November 2023.
    PAIN_001_001_09 = "pain.001.001.09"
    #: Customer Payment Status Report V03 (2009).
    PAIN_002_001_03 = "pain.002.001.03"
    #: Customer Payment Status Report V10 (2019).
    PAIN_002_001_10 = "pain.002.001.10"
    #: Bank-to-Customer Debit/Credit Notification V02 (2009).
    CAMT_054_001_02 = "camt.054.001.02"
    #: Bank-to-Customer Debit/Credit Notification V08 (2019).
    CAMT_054_001_08 = "camt.054.001.08"

    @property
    def namespace(self) -> str:
        """The XML namespace of the message's ``Document`` element."""
        return _NAMESPACE_PREFIX + self.value

    @property
    def family(self) -> str:
        """The message family without its version, e.g. ``"pain.001"``."""
        return self.value[:8]

    @property
    def schema_file(self) -> str:
        """The file name of the message's XSD in ``allocations/iso20022/schemas/``."""
        return f"{self.value}.xsd"


_BY_NAMESPACE: Final = {message.namespace: message for message in MessageDefinition}


def check_bytes(data: object) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(
            f"data must be the document's bytes, got {type(data).__name__}; read files in "
            "binary mode so that the XML declaration decides the encoding"
        )
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Iso20022Error(
            f"document of {len(data)} bytes exceeds the limit of {MAX_DOCUMENT_BYTES} bytes"
        )
    return bytes(data)


def unsafe_error(error: Exception) -> Iso20022Error:
    if isinstance(error, defusedxml.DTDForbidden):
        what = "a DTD (<!DOCTYPE ...>), which ISO 20022 messages never use"
    elif isinstance(error, defusedxml.EntitiesForbidden):
        what = "an entity declaration (entity expansion, e.g. 'billion laughs')"
    elif isinstance(error, defusedxml.ExternalReferenceForbidden):
        what = "a reference to an external entity or DTD"
    else:
        what = "a feature refused for untrusted XML"
    return Iso20022Error(f"document rejected: it contains {what} ({error})")


def message_of(tag: str) -> MessageDefinition:
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if local != "Document":
        raise Iso20022Error(
            f"root element is {local!r} in namespace {namespace!r}; an ISO 20022 message "
            "starts with 'Document'"
        )
    try:
        return _BY_NAMESPACE[namespace]
    except KeyError:
        known = ", ".join(message.value for message in MessageDefinition)
        raise Iso20022Error(
            f"unknown or unsupported namespace {namespace!r}; supported messages: {known}"
        ) from None


def detect_message(data: bytes) -> MessageDefinition:
    """Which supported ISO 20022 message (and version) a document is, from its namespace.

    Only the start of the document is parsed (safely: a DTD or an entity is refused).

    Args:
        data: the document's bytes.

    Returns:
        The :class:`MessageDefinition` of the root ``Document`` element's namespace.

    Raises:
        TypeError: ``data`` is not bytes.
        Iso20022Error: the document is not well-formed, contains a DTD or an entity, its root
            is not ``Document``, or its namespace is unknown (the message names it).

    >>> from allocations.iso20022 import detect_message
    >>> detect_message(
    ...     b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"/>'
    ... )
    <MessageDefinition.PAIN_002_001_10: 'pain.002.001.10'>
    >>> detect_message(b'<Document xmlns="urn:example:pain.001"/>')
    Traceback (most recent call last):
    ...
    allocations.errors.Iso20022Error: unknown or unsupported namespace 'urn:example:pain.001'; supported messages: pain.001.001.03, pain.001.001.09, pain.002.001.03, pain.002.001.10, camt.054.001.02, camt.054.001.08

    .. versionadded:: 0.1.0
    """
    source = io.BytesIO(check_bytes(data))
    try:
        for _, element in SafeElementTree.iterparse(source, events=("start",), forbid_dtd=True):
            return message_of(element.tag)
    except defusedxml.DefusedXmlException as error:
        raise unsafe_error(error) from None
    except ParseError as error:
        raise Iso20022Error(f"document is not well-formed XML: {error}") from None
    raise Iso20022Error("document is empty")  # pragma: no cover - expat raises first


def parse_document(
    data: bytes, expected: frozenset[MessageDefinition]
) -> tuple[MessageDefinition, Element]:
    """Parse a whole document safely and check it is one of the ``expected`` messages."""
    raw = check_bytes(data)
    try:
        root = SafeElementTree.fromstring(raw, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise unsafe_error(error) from None
    except ParseError as error:
        raise Iso20022Error(f"document is not well-formed XML: {error}") from None
    message = message_of(root.tag)
    if message not in expected:
        wanted = " or ".join(sorted(m.value for m in expected))
        raise Iso20022Error(f"document is a {message.value} message; expected {wanted}")
    return message, root


class Reader:
    """Namespace-aware lookups in one parsed message, with errors that name the element."""

    def __init__(self, message: MessageDefinition) -> None:
        self.message = message
        self._prefix = "{" + message.namespace + "}"

    def path(self, path: str) -> str:
        return "/".join(self._prefix + part for part in path.split("/"))

    def find(self, element: Element, path: str) -> Element | None:
        return element.find(self.path(path))

    def findall(self, element: Element, path: str) -> list[Element]:
        return element.findall(self.path(path))

    def text(self, element: Element, path: str) -> str | None:
        found = element.find(self.path(path))
        if found is None:
            return None
        return (found.text or "").strip()

    def required_text(self, element: Element, path: str) -> str:
        value = self.text(element, path)
        if not value:
            raise Iso20022Error(f"{self.message.value}: required element {path!r} is missing")
        return value

    def texts(self, element: Element, path: str) -> tuple[str, ...]:
        return tuple((found.text or "").strip() for found in element.findall(self.path(path)))

    def amount_cents(self, element: Element, path: str) -> int | None:
        """Integer cents of an EUR amount element; ``None`` when the element is absent."""
        found = element.find(self.path(path))
        if found is None:
            return None
        currency = found.get("Ccy")
        if currency != "EUR":
            raise Iso20022Error(
                f"{self.message.value}: {path} is in currency {currency!r}; only EUR amounts "
                "are supported (SEPA_RULES.md [CURRENCY])"
            )
        return text_to_cents(found.text or "", f"{self.message.value} {path}")

    def date(self, element: Element, path: str) -> dt.date | None:
        """A date from an ISODate element or a Dt/DtTm choice; ``None`` when absent."""
        found = element.find(self.path(path))
        if found is None:
            return None
        if len(found) == 0:
            return parse_date(found.text or "", path)
        day = self.text(found, "Dt")
        if day is not None:
            return parse_date(day, path)
        moment = self.text(found, "DtTm")
        if moment is not None:
            return parse_datetime(moment, path).date()
        raise Iso20022Error(f"{self.message.value}: {path} has neither Dt nor DtTm")


def text_to_cents(text: str, where: str) -> int:
    """Exact integer cents of a non-negative ISO decimal amount such as ``"148.52"``."""
    stripped = text.strip()
    if _DECIMAL.fullmatch(stripped) is None:
        raise Iso20022Error(f"{where}: {text!r} is not a non-negative decimal amount")
    try:
        return to_cents(Decimal(stripped), where)
    except InvalidAmountError:
        raise Iso20022Error(f"{where}: amount {text!r} has a fraction of a cent") from None


def parse_date(text: str, where: str) -> dt.date:
    """An ``xs:date`` (``YYYY-MM-DD``)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise Iso20022Error(f"{where}: {text!r} is not an ISO date (YYYY-MM-DD)") from None


def parse_datetime(text: str, where: str) -> dt.datetime:
    """An ``xs:dateTime``; naive when the document gives no offset (``Z`` means UTC)."""
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise Iso20022Error(f"{where}: {text!r} is not an ISO date-time") from None


@attrs.frozen
class Reason:
    """A status or return reason from a bank report (``StsRsnInf`` or ``RtrInf``).

    Args:
        code: the ISO external reason code (``Rsn/Cd``), e.g. ``AC01`` incorrect account
            number, ``AC04`` closed account, ``AM04`` insufficient funds, ``MS03`` reason
            not specified, ``MD07`` end customer deceased; ``None`` when absent.
        proprietary: a bank-specific reason (``Rsn/Prtry``), when given instead of a code.
        additional_information: the free-text lines (``AddtlInf``), in order.

    .. versionadded:: 0.1.0
    """

    code: str | None
    proprietary: str | None = None
    additional_information: tuple[str, ...] = ()


def first_reason_code(reasons: tuple[Reason, ...]) -> str | None:
    """The code (or else the proprietary reason) of the first reason that has one."""
    for reason in reasons:
        if reason.code or reason.proprietary:
            return reason.code or reason.proprietary
    return None


def read_reasons(reader: Reader, element: Element, path: str) -> tuple[Reason, ...]:
    """Every reason block at ``path`` (``StsRsnInf`` or ``RtrInf``) under ``element``."""
    return tuple(
        Reason(
            code=reader.text(block, "Rsn/Cd"),
            proprietary=reader.text(block, "Rsn/Prtry"),
            additional_information=reader.texts(block, "AddtlInf"),
        )
        for block in reader.findall(element, path)
    )
