"""Business keys of payments and the SEPA identifiers derived from them.

Theory of operation: a payment is identified by *what it pays* — beneficiary, benefit,
month, kind and attempt — never by a counter or a random number that a crash could reset
(DESIGN.md principle 3). Its EndToEndId and InstrId are pure functions of that key, so a
re-run after a crash derives the same identifiers and the ledger and the bank recognise the
payment.

Derivation (version 1; changing it changes every identifier, and a test pins known keys):

1. The canonical encoding of a key is the UTF-8 encoding of the fields ``beneficiary_id``
   (NFC), ``benefit``, ``period`` (``YYYY-MM``), ``kind`` (its value, e.g. ``regular``) and
   ``attempt`` (decimal, no leading zero), joined by U+001F (the ASCII *unit separator*).
   No field can contain that control character (all are printable), so the encoding is
   unambiguous.
2. The digest is ``SHA-256(domain + b"\\n" + canonical)`` with ``domain`` =
   ``b"allocations/EndToEndId/v1"`` for the EndToEndId and ``b"allocations/InstrId/v1"`` for
   the InstrId (domain separation: the two identifiers never coincide).
3. The identifier is ``<benefit>-<YYYYMM>-<kind code><attempt, 2 digits>-<first 16
   characters of the RFC 4648 base32 encoding of the digest>``, e.g.
   ``AF-202405-R01-TP746YC5WZLQ2WYF``: at most 6 + 1 + 6 + 1 + 3 + 1 + 16 = 34 characters of
   ``A-Z 0-9 -`` — inside the SEPA character set, no ``/`` at all [ID-SLASH], within the
   35 characters of Max35Text [LEN]. Kind codes: R regular, C catch-up, A advance,
   V recovery refund, F fee refund.

The beneficiary id is only hashed, never shown: the EndToEndId travels to the beneficiary's
bank, and a *numéro d'allocataire* is personal data. 80 bits of digest make an accidental
collision inside one benefit, month, kind and attempt (the readable prefix) negligible
(below 10⁻¹⁰ for ten million beneficiaries); a collision would surface as an idempotency
conflict, never as a silent merge.

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from typing import Any

import attrs

from allocations.errors import InvalidInputError
from allocations.periods import Month

__all__ = ["MAX_ATTEMPT", "PaymentKey", "PaymentKind"]

#: The largest attempt number: the identifier keeps two digits for it. A payment that
#: needs a 100th attempt needs a human.
MAX_ATTEMPT = 99
_MAX_BENEFICIARY_ID_LENGTH = 100
_BENEFIT = re.compile(r"[A-Z0-9]{1,6}")
_END_TO_END_DOMAIN = b"allocations/EndToEndId/v1\n"
_INSTRUCTION_DOMAIN = b"allocations/InstrId/v1\n"


class PaymentKind(enum.Enum):
    """Why a payment is made; part of its business key.

    .. versionadded:: 0.1.0
    """

    #: The monthly payment of the benefit for the month (*échéance*).
    REGULAR = "regular"
    #: A payment of an amount missed or paid short for a past month (*rappel*).
    CATCH_UP = "catch_up"
    #: An advance on a payment that could not be made on time (*avance*).
    ADVANCE = "advance"
    #: Repays an amount wrongly recovered from the beneficiary (*remboursement d'indu*).
    RECOVERY_REFUND = "recovery_refund"
    #: Refunds bank fees the beneficiary bore because of the paying body's incident.
    FEE_REFUND = "fee_refund"

    @property
    def code(self) -> str:
        """The one-letter code used in identifiers (``R``, ``C``, ``A``, ``V``, ``F``)."""
        return _KIND_CODES[self]


_KIND_CODES: dict[PaymentKind, str] = {
    PaymentKind.REGULAR: "R",
    PaymentKind.CATCH_UP: "C",
    PaymentKind.ADVANCE: "A",
    PaymentKind.RECOVERY_REFUND: "V",
    PaymentKind.FEE_REFUND: "F",
}


def to_beneficiary_id(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"beneficiary_id must be a string, got {value!r}")
    text = unicodedata.normalize("NFC", value)
    if not text or text != text.strip():
        raise InvalidInputError(
            f"beneficiary_id must be non-empty without surrounding spaces, got {value!r}"
        )
    if len(text) > _MAX_BENEFICIARY_ID_LENGTH or not text.isprintable():
        raise InvalidInputError(
            f"beneficiary_id must be at most {_MAX_BENEFICIARY_ID_LENGTH} printable "
            f"characters, got {value!r}"
        )
    return text


def _to_benefit(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"benefit must be a string such as 'AF', got {value!r}")
    if _BENEFIT.fullmatch(value) is None:
        raise InvalidInputError(
            f"benefit must be 1 to 6 upper-case letters or digits (e.g. 'AF'), got {value!r}"
        )
    return value


def _to_period(value: Any) -> Month:
    if isinstance(value, Month):
        return value
    if isinstance(value, str):
        return Month.parse(value)
    raise TypeError(f"period must be a Month or 'YYYY-MM', got {value!r}")


def _to_kind(value: Any) -> PaymentKind:
    if isinstance(value, PaymentKind):
        return value
    try:
        return PaymentKind(value)
    except ValueError:
        allowed = ", ".join(kind.value for kind in PaymentKind)
        raise InvalidInputError(f"kind must be one of {allowed}; got {value!r}") from None


def _check_attempt(instance: PaymentKey, attribute: attrs.Attribute[int], value: int) -> None:
    if type(value) is not int:
        raise TypeError(f"attempt must be an int, got {value!r}")
    if not 1 <= value <= MAX_ATTEMPT:
        raise InvalidInputError(f"attempt must be within 1..{MAX_ATTEMPT}, got {value}")


_SEPARATOR = "\x1f"


# RFC 4648 base32 of 80 bits (10 bytes) is exactly 16 characters; a table of every 10-bit
# value (2 characters) makes it 8 look-ups instead of base64.b32encode's Python loop.
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = tuple(a + b for a in _BASE32 for b in _BASE32)


def _base32_80(digest: bytes) -> str:
    n = int.from_bytes(digest[:10], "big")
    p = _BASE32_PAIRS
    return (
        p[n >> 70]
        + p[(n >> 60) & 1023]
        + p[(n >> 50) & 1023]
        + p[(n >> 40) & 1023]
        + p[(n >> 30) & 1023]
        + p[(n >> 20) & 1023]
        + p[(n >> 10) & 1023]
        + p[n & 1023]
    )


# Everything of a key but the beneficiary, as the identifiers need it: the readable prefix
# (step 3), the encoded tail of the canonical encoding (step 1), and the key's columns as a
# ledger stores them. A national run has a handful of (benefit, month, kind, attempt)
# combinations and a million beneficiaries, so each combination is formatted once; the
# cache is emptied when it grows past a bound.
_PREFIXES: dict[tuple[str, int, int, str, int], tuple[str, bytes, tuple[str, str, str, int]]] = {}
_MAX_PREFIXES = 4096


def _prefixes(key: PaymentKey) -> tuple[str, bytes, tuple[str, str, str, int]]:
    period = key.period
    kind = key.kind
    fields = (key.benefit, period.year, period.month, kind._value_, key.attempt)
    found = _PREFIXES.get(fields)
    if found is None:
        benefit, year, month, kind_value, attempt = fields
        period_text = f"{year:04d}-{month:02d}"
        found = (
            f"{benefit}-{year:04d}{month:02d}-{kind.code}{attempt:02d}-",
            _SEPARATOR.join(("", benefit, period_text, kind_value, str(attempt))).encode(),
            (benefit, period_text, kind_value, attempt),
        )
        if len(_PREFIXES) >= _MAX_PREFIXES:
            _PREFIXES.clear()
        _PREFIXES[fields] = found
    return found


def end_to_end_id_of(prefix: str, canonical: bytes) -> str:
    """The EndToEndId of the key whose canonical encoding is ``canonical`` (steps 2 and 3).

    ``prefix`` is the key's readable prefix (:func:`key_prefix_and_tail`). The one
    derivation, shared by :class:`PaymentKey` and the planner's plain rows.
    """
    return prefix + _base32_80(hashlib.sha256(_END_TO_END_DOMAIN + canonical).digest())


def key_prefix_and_tail(key: PaymentKey) -> tuple[str, bytes]:
    """What the identifiers of every key sharing ``key``'s benefit, period, kind and attempt
    have in common: the readable prefix, and the canonical encoding after the beneficiary
    (``canonical = beneficiary_id.encode() + tail``)."""
    prefix, tail, _ = _prefixes(key)
    return prefix, tail


def key_columns(key: PaymentKey) -> tuple[str, str, str, int]:
    """``(benefit, "YYYY-MM", kind value, attempt)``: the key but its beneficiary, as text."""
    return _prefixes(key)[2]


@attrs.frozen
class PaymentKey:
    """The business key of a payment: who, which benefit, which month, why, which attempt.

    Two instructions with the same key are the same payment. A payment that failed for good
    (rejected, returned) is retried under a new key with ``attempt + 1``.

    Args:
        beneficiary_id: the *numéro d'allocataire* (1 to 100 printable characters, no
            surrounding spaces; Unicode is normalised to NFC).
        benefit: the benefit's code, 1 to 6 upper-case letters or digits (``"AF"`` for the
            *allocations familiales*).
        period: the benefit month the payment is for; a :class:`~allocations.Month` or
            ``"YYYY-MM"``.
        kind: a :class:`PaymentKind` or its value (``"regular"``).
        attempt: 1 for the first attempt, up to :data:`MAX_ATTEMPT`.

    Raises:
        TypeError: a field has the wrong type.
        InvalidInputError: a field breaks its rule (empty id, bad benefit code, attempt 0).
        InvalidMonthError: ``period`` is not a valid ``"YYYY-MM"``.

    >>> from allocations import PaymentKey
    >>> key = PaymentKey("F-1", "AF", "2024-05", "regular", 1)
    >>> key.end_to_end_id
    'AF-202405-R01-TP746YC5WZLQ2WYF'
    >>> key.instruction_id
    'AF-202405-R01-NECQH7JEPDRY4STL'

    .. versionadded:: 0.1.0
    """

    beneficiary_id: str = attrs.field(converter=to_beneficiary_id)
    benefit: str = attrs.field(converter=_to_benefit)
    period: Month = attrs.field(converter=_to_period)
    kind: PaymentKind = attrs.field(converter=_to_kind)
    attempt: int = attrs.field(default=1, validator=_check_attempt)
    # Derived values, set by __attrs_post_init__ (not part of the value: no eq, hash, repr,
    # init; no default, which __init__ would only overwrite).
    _canonical: bytes | None = attrs.field(init=False, eq=False, hash=False, repr=False)
    _end_to_end_id: str | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    def canonical_bytes(self) -> bytes:
        """The canonical encoding of the key (step 1 of the derivation in the module doc)."""
        canonical = self._canonical
        if canonical is None:
            canonical = self.beneficiary_id.encode() + _prefixes(self)[1]
            object.__setattr__(self, "_canonical", canonical)
        return canonical

    def __attrs_post_init__(self) -> None:
        # Derived at once, while the key is fresh in memory: every key ends up asking for it
        # (a ledger, a sort in payment order), and a batch of keys made earlier, no longer
        # in the processor's caches, takes about twice as long.
        prefix, tail, _ = _prefixes(self)
        canonical = self.beneficiary_id.encode() + tail
        object.__setattr__(self, "_canonical", canonical)
        object.__setattr__(self, "_end_to_end_id", end_to_end_id_of(prefix, canonical))

    @property
    def end_to_end_id(self) -> str:
        """The pain.001 ``PmtId/EndToEndId``: the payment's identity for the bank and the ledger."""
        e2e = self._end_to_end_id
        if e2e is None:  # a key rebuilt without __init__ (see restore_instruction)
            self.__attrs_post_init__()
            e2e = self._end_to_end_id
            assert e2e is not None
        return e2e

    @property
    def instruction_id(self) -> str:
        """The pain.001 ``PmtId/InstrId``, distinct from the EndToEndId by domain separation."""
        return _prefixes(self)[0] + _base32_80(
            hashlib.sha256(_INSTRUCTION_DOMAIN + self.canonical_bytes()).digest()
        )

    def next_attempt(self) -> PaymentKey:
        """The key of the next attempt of the same payment (after a rejection or a return).

        Raises:
            InvalidInputError: this is already attempt :data:`MAX_ATTEMPT`.
        """
        return attrs.evolve(self, attempt=self.attempt + 1)

    def __str__(self) -> str:
        return (
            f"{self.beneficiary_id}/{self.benefit}/{self.period}/{self.kind.value}#{self.attempt}"
        )
