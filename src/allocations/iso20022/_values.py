"""The values a pain.001 file is written from: one transfer, the paying body, the header.

They are independent of the ledger's ``PaymentInstruction``: the payment run maps its
instructions onto :class:`CreditTransfer`. Every value is frozen and checked on
construction, so that the writer only formats: free text is transliterated into the SEPA
basic set and cut to its maximum length, identifiers are checked (never changed), IBANs are
checked as the payments check them (:mod:`allocations.bank_accounts`) and BICs against the
ISO pattern of the 2014 schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, TypeGuard

import attrs

from allocations.bank_accounts import BIC_2009, BIC_2014, iban_refusal
from allocations.errors import InvalidBicError, InvalidIbanError, SepaValidationError
from allocations.iso20022._charset import VALID_IDENTIFIER, check_sepa_identifier, to_sepa_text

__all__ = [
    "BIC_2009",
    "BIC_2014",
    "MAX_AMOUNT_CENTS",
    "CreditTransfer",
    "FileHeader",
    "PaymentOrganisation",
]

#: The largest SEPA amount, 999 999 999.99 EUR (EPC IG; SEPA_RULES.md [AMOUNT]).
MAX_AMOUNT_CENTS: Final = 99_999_999_999
#: NbOfTxs is ``Max15NumericText`` ([NBOFTXS]).
_MAX_TRANSACTIONS: Final = 10**15 - 1
#: CtrlSum is a ``DecimalNumber`` of 18 digits in all, 2 of them after the point here.
_MAX_CONTROL_SUM_CENTS: Final = 10**18 - 1


def is_iban(value: object) -> TypeGuard[str]:
    # An IBAN in electronic form (capitals, no spaces: the rules doc's validator refuses
    # lower case, which the XSD allows; SEPA_RULES.md [IBAN]) that can receive a SEPA credit
    # transfer: the checks of allocations.bank_accounts, the same as the payments'.
    return type(value) is str and iban_refusal(value) is None


def check_iban(value: object, field: str) -> str:
    """Check an IBAN in electronic form: SEPA country, length and national format, ISO 7064
    mod 97-10 check digits, and the clé RIB of French-format accounts."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a str, got {type(value).__name__}")
    refusal = iban_refusal(value)
    if refusal is not None:
        raise InvalidIbanError(f"{field}: {refusal}")
    return value


def check_bic(value: object, field: str) -> str:
    """Check a BIC against the ISO 9362:2014 pattern (8 or 11 characters)."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a str or None, got {type(value).__name__}")
    if BIC_2014.fullmatch(value) is None:
        raise InvalidBicError(
            f"{field} {value!r} is not a BIC: 4 letters or digits, a 2-letter country, 2 "
            "letters or digits, optionally a 3-character branch; capitals, no spaces ([BIC], "
            "ISO 9362)"
        )
    return value


def _field(instance: Any, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


# Validators build the field's name only to report an error: they run for every transfer.
def _valid_identifier(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is not str or VALID_IDENTIFIER.fullmatch(value) is None:
        check_sepa_identifier(value, field=_field(instance, attribute))


def _valid_optional_identifier(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _valid_identifier(instance, attribute, value)


def _valid_iban(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not is_iban(value):
        check_iban(value, _field(instance, attribute))


def _valid_optional_bic(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (type(value) is not str or BIC_2014.fullmatch(value) is None):
        check_bic(value, _field(instance, attribute))


def _whole_number(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        kind = "a float" if isinstance(value, float) else type(value).__name__
        raise TypeError(
            f"{field} must be an int number of cents, not {kind} ({value!r}); convert a "
            "Decimal with allocations.money.to_cents"
        )
    return value


def _valid_amount(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if type(value) is int and 1 <= value <= MAX_AMOUNT_CENTS:
        return
    field = _field(instance, attribute)
    if not 1 <= _whole_number(value, field) <= MAX_AMOUNT_CENTS:
        raise SepaValidationError(
            f"{field} {value} is outside the SEPA range 1 to {MAX_AMOUNT_CENTS} cents "
            "(0.01 to 999999999.99 EUR, [AMOUNT])"
        )


# Names: Nm is Max140Text in ISO but 70 characters in the SEPA subset ([LEN], [NAME]).
# Remittance: one Ustrd of at most 140 characters (Regulation (EU) 260/2012; [RMTINF]).
def _creditor_name(value: Any) -> str:
    return to_sepa_text(value, max_length=70, field="CreditTransfer.creditor_name")


def _remittance(value: Any) -> str:
    return to_sepa_text(value, max_length=140, field="CreditTransfer.remittance")


def _organisation_name(value: Any) -> str:
    return to_sepa_text(value, max_length=70, field="PaymentOrganisation.name")


@attrs.frozen
class CreditTransfer:
    """One SEPA credit transfer to a beneficiary (one ``CdtTrfTxInf`` of a pain.001).

    Free text is made SEPA-safe on construction (so the stored value is what the file
    carries); identifiers are checked and never changed.

    Args:
        end_to_end_id: the payment's idempotency key, travels unchanged to the beneficiary
            and comes back on returns and status reports (``PmtId/EndToEndId``); 1 to 35
            SEPA characters, no leading/trailing ``/`` nor ``//`` ([ID-SLASH]); must be
            derived from the payment's business key, never ``NOTPROVIDED``.
        instruction_id: the instruction's reference between the paying body and its bank
            (``PmtId/InstrId``), same rules.
        amount_cents: the amount in integer euro cents, 1 to 99 999 999 999 ([AMOUNT]);
            a ``float`` or a ``Decimal`` raises ``TypeError``.
        creditor_name: the beneficiary (*allocataire*) name; transliterated to the SEPA set
            and cut to 70 characters ([CHARSET], [NAME]).
        creditor_iban: the beneficiary's IBAN in electronic form (capitals, no spaces); the
            check digits are verified.
        creditor_bic: the beneficiary bank's BIC, or ``None``: since 1 February 2016 a payer
            cannot be asked for it (Regulation (EU) 260/2012), and the creditor agent is then
            left out of the file.
        remittance: the unstructured remittance text (``RmtInf/Ustrd``), transliterated and
            cut to 140 characters.

    Raises:
        SepaValidationError: a bad identifier, an amount out of range, a name or remittance
            with nothing left after transliteration.
        InvalidIbanError: the IBAN is malformed or its check digits are wrong.
        InvalidBicError: the BIC is malformed.
        TypeError: a field has the wrong type.

    >>> from allocations.iso20022 import CreditTransfer
    >>> transfer = CreditTransfer(
    ...     end_to_end_id="AF-2027-02-000123",
    ...     instruction_id="AF-2027-02-000123-1",
    ...     amount_cents=14852,
    ...     creditor_name="Hélène Lefèvre-Dœuf",
    ...     creditor_iban="FR7630006000011234567890189",
    ...     creditor_bic=None,
    ...     remittance="CAF allocations familiales février 2027",
    ... )
    >>> transfer.creditor_name, transfer.remittance
    ('Helene Lefevre-Doeuf', 'CAF allocations familiales fevrier 2027')

    .. versionadded:: 0.1.0
    """

    end_to_end_id: str = attrs.field(validator=_valid_identifier)
    instruction_id: str = attrs.field(validator=_valid_identifier)
    amount_cents: int = attrs.field(validator=_valid_amount)
    creditor_name: str = attrs.field(converter=_creditor_name)
    creditor_iban: str = attrs.field(validator=_valid_iban)
    creditor_bic: str | None = attrs.field(validator=_valid_optional_bic)
    remittance: str = attrs.field(converter=_remittance)

    def __attrs_post_init__(self) -> None:
        # Project rule (SEPA_RULES.md [E2E-NOTPROVIDED]): the EndToEndId is the idempotency
        # key; the placeholder would make every return unattributable.
        if self.end_to_end_id == "NOTPROVIDED":
            raise SepaValidationError(
                "CreditTransfer.end_to_end_id 'NOTPROVIDED' is refused: the EndToEndId is the "
                "payment's idempotency key and must come from its business key "
                "([E2E-NOTPROVIDED])"
            )


@attrs.frozen
class PaymentOrganisation:
    """The paying body (the *caisse d'allocations familiales*): debtor and initiating party.

    Args:
        name: the debtor's name (``Dbtr/Nm`` and ``InitgPty/Nm``); transliterated and cut
            to 70 characters.
        iban: the account debited, in electronic form; check digits verified.
        bic: the debtor bank's BIC, or ``None``: the debtor agent is then written as
            ``FinInstnId/Othr/Id = NOTPROVIDED`` (the form the DK SEPA schema requires;
            SEPA_RULES.md [AGENT]).
        initiating_party_id: an identifier of the initiating party agreed with the bank
            (``InitgPty/Id/OrgId/Othr/Id``, e.g. a SIRET), or ``None`` to leave it out.

    Raises:
        SepaValidationError: the name has nothing left after transliteration, or the
            initiating party id breaks the identifier rules.
        InvalidIbanError: the IBAN is malformed or its check digits are wrong.
        InvalidBicError: the BIC is malformed.

    >>> from allocations.iso20022 import PaymentOrganisation
    >>> PaymentOrganisation(name="CAF de Paris", iban="FR1420041010050500013M02606",
    ...                     bic="PSSTFRPPPAR").name
    'CAF de Paris'

    .. versionadded:: 0.1.0
    """

    name: str = attrs.field(converter=_organisation_name)
    iban: str = attrs.field(validator=_valid_iban)
    bic: str | None = attrs.field(default=None, validator=_valid_optional_bic)
    initiating_party_id: str | None = attrs.field(
        default=None, validator=_valid_optional_identifier
    )


def _valid_aware_datetime(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    field = _field(instance, attribute)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"{field} must be a datetime, got {value!r}")
    if value.utcoffset() is None:
        raise SepaValidationError(
            f"{field} {value.isoformat()!r} must be timezone-aware: CreDtTm is fixed when the "
            "batch is created and stored, with its offset"
        )


def _valid_date(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"{_field(instance, attribute)} must be a datetime.date, got {value!r}")


def _valid_number_of_transactions(
    instance: Any, attribute: attrs.Attribute[Any], value: Any
) -> None:
    field = _field(instance, attribute)
    if not 1 <= _whole_number(value, field) <= _MAX_TRANSACTIONS:
        raise SepaValidationError(
            f"{field} {value} must be 1 to {_MAX_TRANSACTIONS}: a payment information block "
            "holds at least one transfer ([NBOFTXS], Max15NumericText)"
        )


def _valid_control_sum(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    field = _field(instance, attribute)
    if not 1 <= _whole_number(value, field) <= _MAX_CONTROL_SUM_CENTS:
        raise SepaValidationError(
            f"{field} {value} must be 1 to {_MAX_CONTROL_SUM_CENTS} ([CTRLSUM], DecimalNumber "
            "of 18 digits)"
        )


@attrs.frozen
class FileHeader:
    """The header of one pain.001 file: group header and its single payment information.

    Everything here is fixed when the batch is created and stored (write-ahead), so that
    regenerating the file after a crash gives the same bytes, the same ``MsgId`` and so the
    bank's duplicate-submission check catches a re-sent file (SEPA_RULES.md [MSGID-DUP]).

    The totals are *declared* here because ``NbOfTxs`` and ``CtrlSum`` come before the
    transactions in the file while the writer streams them; the writer checks the stream
    against them and fails when they differ.

    Args:
        message_id: ``GrpHdr/MsgId``, unique per batch, derived from the batch id.
        creation_datetime: ``GrpHdr/CreDtTm``, a timezone-aware ``datetime`` chosen by the
            caller when the batch was created (the library never reads the clock); written to
            the second.
        payment_information_id: ``PmtInf/PmtInfId``, derived from the batch id.
        requested_execution_date: ``ReqdExctnDt``, the TARGET business day the beneficiaries
            are to be paid (chosen by the scheduler).
        number_of_transactions: ``NbOfTxs`` of the group and of the payment information.
        control_sum_cents: ``CtrlSum`` in integer cents (written with 2 decimals).
        batch_booking: ``BtchBookg``; ``True`` (the default) asks for one debit of the
            paying account for the whole batch rather than one per beneficiary.

    Raises:
        SepaValidationError: a bad identifier, a naive ``creation_datetime``, totals out of
            range or fewer cents than transactions.
        TypeError: a field has the wrong type (``float`` totals included).

    >>> import datetime as dt
    >>> from allocations.iso20022 import FileHeader
    >>> header = FileHeader(
    ...     message_id="CAF75-2027-02-RUN1",
    ...     creation_datetime=dt.datetime(2027, 2, 1, 6, 0, tzinfo=dt.timezone.utc),
    ...     payment_information_id="CAF75-2027-02-RUN1-P1",
    ...     requested_execution_date=dt.date(2027, 2, 5),
    ...     number_of_transactions=2,
    ...     control_sum_cents=29704,
    ... )
    >>> header.batch_booking
    True

    .. versionadded:: 0.1.0
    """

    message_id: str = attrs.field(validator=_valid_identifier)
    creation_datetime: dt.datetime = attrs.field(validator=_valid_aware_datetime)
    payment_information_id: str = attrs.field(validator=_valid_identifier)
    requested_execution_date: dt.date = attrs.field(validator=_valid_date)
    number_of_transactions: int = attrs.field(validator=_valid_number_of_transactions)
    control_sum_cents: int = attrs.field(validator=_valid_control_sum)
    batch_booking: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        # Each transfer is at least 1 cent ([AMOUNT]), so such totals cannot be met.
        if self.control_sum_cents < self.number_of_transactions:
            raise SepaValidationError(
                f"FileHeader.control_sum_cents {self.control_sum_cents} is less than "
                f"number_of_transactions {self.number_of_transactions}: each transfer is at "
                "least 1 cent ([CTRLSUM], [AMOUNT])"
            )
