"""The paying organisation's configuration, as a value, and its parsing from a mapping.

Theory of operation: the configuration is data the operator writes once (an
``organisation.toml`` file, see ``examples/organisation.toml``). This module only turns an
already-read mapping into a checked, frozen :class:`OrganisationConfig`; reading the file
(``tomllib.load(file, parse_float=Decimal)``) happens at the edge, in the command line.
Every refusal names the file, the table and the key, the value and the rule broken, and an
unknown key is refused (a misspelt ``max_transactions_per_fille`` must not silently fall back
to the default).

The configuration file has four tables::

    [organisation]          # who pays: debtor and initiating party of every pain.001
    name = "CAF du Bas-Rhin"
    iban = "FR76 3000 1000 6400 0000 1234 559"
    bic = "BDFEFRPPCCT"                 # optional
    initiating_party_id = "53455123400018"  # optional (e.g. a SIRET)

    [payments]              # optional
    benefit = "AF"
    remittance_label = "ALLOCATIONS FAMILIALES"

    [files]                 # optional
    pain001_version = "pain.001.001.09"
    max_transactions_per_file = 50000
    batch_booking = true

    [guard]                 # optional
    max_total_change_percent = 10

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final

import attrs

from allocations.errors import ConfigurationError, InvalidInputError
from allocations.iso20022 import (
    MessageDefinition,
    PaymentOrganisation,
    check_sepa_identifier,
    to_sepa_text,
)
from allocations.payments._guard import GuardPolicy
from allocations.payments._iban import validate_bic, validate_iban
from allocations.payments._identity import PaymentKey

__all__ = [
    "DEFAULT_MAX_TRANSACTIONS_PER_FILE",
    "DEFAULT_REMITTANCE_LABEL",
    "PAIN001_VERSIONS",
    "OrganisationConfig",
]

#: Transactions per pain.001 file unless configured: banks commonly cap a file at 50,000
#: to 100,000 transactions; 50,000 keeps one file around 35 MB.
DEFAULT_MAX_TRANSACTIONS_PER_FILE: Final = 50_000
#: The start of every remittance text (``RmtInf/Ustrd``), followed by the month and the
#: household id: what the beneficiary reads on the bank statement.
DEFAULT_REMITTANCE_LABEL: Final = "ALLOCATIONS FAMILIALES"
#: The pain.001 versions the writer produces.
PAIN001_VERSIONS: Final = (MessageDefinition.PAIN_001_001_09, MessageDefinition.PAIN_001_001_03)
# A limit on everything: no bank takes a file of more transactions.
_MAX_TRANSACTIONS_LIMIT: Final = 10_000_000


def _check_file_size(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"max_transactions_per_file must be an int, got {value!r}")
    if not 1 <= value <= _MAX_TRANSACTIONS_LIMIT:
        raise InvalidInputError(
            f"max_transactions_per_file must be within 1..{_MAX_TRANSACTIONS_LIMIT:,}, got {value}"
        )
    return value


def _to_version(value: Any) -> MessageDefinition:
    for version in PAIN001_VERSIONS:
        if value == version:
            return version
    allowed = ", ".join(str(v) for v in PAIN001_VERSIONS)
    raise InvalidInputError(f"pain001_version must be one of {allowed}; got {value!r}")


def _to_batch_booking(value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError(f"batch_booking must be true or false, got {value!r}")
    return value


def _to_benefit(value: Any) -> str:
    # The same rule as the business key's benefit code (checked by building a key).
    return PaymentKey("x", value, "2024-01", "regular").benefit


def check_remittance_label(value: Any) -> str:
    """The label, spaces collapsed; 1 to 30 printable characters."""
    if not isinstance(value, str):
        raise TypeError(f"remittance_label must be a string, got {value!r}")
    text = " ".join(value.split())
    # The label, a space, "YYYY-MM", a space and a household id of up to 100 characters
    # must fit the 140 characters of RmtInf/Ustrd [RMTINF].
    if not text or len(text) > 30 or not text.isprintable():
        raise InvalidInputError(
            f"remittance_label must be 1 to 30 printable characters, got {value!r}"
        )
    return text


def _to_guard(value: Any) -> GuardPolicy:
    if not isinstance(value, GuardPolicy):
        raise TypeError(f"guard must be a GuardPolicy, got {value!r}")
    return value


@attrs.frozen
class OrganisationConfig:
    """Who pays, and how the payment run writes its files.

    Args:
        organisation: the paying body (debtor and initiating party of every file).
        benefit: the benefit code of the run's business keys (``"AF"``).
        remittance_label: the start of each remittance text, e.g.
            ``"ALLOCATIONS FAMILIALES"`` (then the month and the household id).
        pain001_version: ``"pain.001.001.09"`` (default) or ``"pain.001.001.03"``.
        max_transactions_per_file: at most this many transactions per file (default
            50,000); a larger payment date is split over several files.
        batch_booking: ``BtchBookg``: one debit for the whole file (default) or one per
            transaction.
        guard: the pre-flight guard's thresholds.

    Raises:
        TypeError: a field has the wrong type.
        InvalidInputError: a field breaks its rule (unknown version, file size 0...).

    >>> from allocations import OrganisationConfig
    >>> config = OrganisationConfig.from_mapping({"organisation": {
    ...     "name": "CAF du Bas-Rhin", "iban": "FR76 3000 1000 6400 0000 1234 559"}})
    >>> config.organisation.iban, config.max_transactions_per_file, str(config.pain001_version)
    ('FR7630001000640000001234559', 50000, 'pain.001.001.09')

    .. versionadded:: 0.1.0
    """

    organisation: PaymentOrganisation = attrs.field(
        validator=attrs.validators.instance_of(PaymentOrganisation)
    )
    benefit: str = attrs.field(default="AF", converter=_to_benefit)
    remittance_label: str = attrs.field(
        default=DEFAULT_REMITTANCE_LABEL, converter=check_remittance_label
    )
    pain001_version: MessageDefinition = attrs.field(
        default=MessageDefinition.PAIN_001_001_09, converter=_to_version
    )
    max_transactions_per_file: int = attrs.field(
        default=DEFAULT_MAX_TRANSACTIONS_PER_FILE, converter=_check_file_size
    )
    batch_booking: bool = attrs.field(default=True, converter=_to_batch_booking)
    guard: GuardPolicy = attrs.field(factory=GuardPolicy, converter=_to_guard)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], *, source: str = "configuration"
    ) -> OrganisationConfig:
        """Build the configuration from a mapping, as ``tomllib`` reads the file.

        Args:
            data: the tables ``organisation`` (required), ``payments``, ``files`` and
                ``guard`` (optional), as described in this module's documentation. Read
                TOML with ``parse_float=Decimal``: a float is refused for the guard's
                percentage.
            source: the file's name, quoted in error messages.

        Returns:
            The checked configuration.

        Raises:
            ConfigurationError: a table or key is missing, unknown or invalid; the message
                reads ``source: [table] key: value rule``.

        >>> OrganisationConfig.from_mapping({"organisation": {"name": "CAF"}},
        ...                                 source="organisation.toml")
        Traceback (most recent call last):
        ...
        allocations.errors.ConfigurationError: organisation.toml: [organisation] iban is missing (the account every payment is debited from)

        .. versionadded:: 0.1.0
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"{source}: expected tables of keys, got {data!r}")
        reader = _Reader(source)
        reader.only_keys(data, None, _TABLES)
        organisation_table = reader.table(data, "organisation", required=True)
        reader.only_keys(organisation_table, "organisation", _ORGANISATION_KEYS)
        for key, why in (
            ("name", "the debtor's name written in every file"),
            ("iban", "the account every payment is debited from"),
        ):
            if key not in organisation_table:
                raise ConfigurationError(f"{source}: [organisation] {key} is missing ({why})")
        organisation: dict[str, Any] = {}
        for key, check in _ORGANISATION_CHECKS.items():
            value = organisation_table.get(key)
            if value is not None:
                with reader.key("organisation", key):
                    if not isinstance(value, str):
                        raise TypeError(f"must be a string, got {value!r}")
                    organisation[key] = check(value)
        fields: dict[str, Any] = {"organisation": PaymentOrganisation(**organisation)}
        for table, keys in (("payments", _PAYMENTS_KEYS), ("files", _FILES_KEYS)):
            values = reader.table(data, table, required=False)
            reader.only_keys(values, table, keys)
            for key, value in values.items():
                with reader.key(table, key):
                    fields[key] = _FIELD_CHECKS[key](value)
        guard_table = reader.table(data, "guard", required=False)
        reader.only_keys(guard_table, "guard", _GUARD_KEYS)
        if "max_total_change_percent" in guard_table:
            value = guard_table["max_total_change_percent"]
            with reader.key("guard", "max_total_change_percent"):
                fields["guard"] = GuardPolicy(max_total_change_percent=value)
        try:
            return cls(**fields)
        except (InvalidInputError, TypeError) as error:  # pragma: no cover - checked per key
            raise ConfigurationError(f"{source}: {error}") from None


_ORGANISATION_CHECKS: Final[dict[str, Callable[[str], Any]]] = {
    "name": lambda value: to_sepa_text(value, max_length=70, field="name"),
    "iban": validate_iban,
    "bic": validate_bic,
    "initiating_party_id": lambda value: check_sepa_identifier(value, field="initiating_party_id"),
}


_FIELD_CHECKS: Final[dict[str, Callable[[Any], Any]]] = {
    "benefit": _to_benefit,
    "remittance_label": check_remittance_label,
    "pain001_version": _to_version,
    "max_transactions_per_file": _check_file_size,
    "batch_booking": _to_batch_booking,
}
_TABLES: Final = frozenset({"organisation", "payments", "files", "guard"})
_ORGANISATION_KEYS: Final = frozenset(_ORGANISATION_CHECKS)
_PAYMENTS_KEYS: Final = frozenset({"benefit", "remittance_label"})
_FILES_KEYS: Final = frozenset({"pain001_version", "max_transactions_per_file", "batch_booking"})
_GUARD_KEYS: Final = frozenset({"max_total_change_percent"})


class _Reader:
    """Error messages that name the source, the table and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def table(self, data: Mapping[str, Any], name: str, *, required: bool) -> Mapping[str, Any]:
        if name not in data:
            if required:
                raise ConfigurationError(
                    f"{self.source}: the table [{name}] is missing (name and IBAN of the "
                    "paying organisation)"
                )
            return {}
        value = data[name]
        if not isinstance(value, Mapping):
            raise ConfigurationError(f"{self.source}: [{name}] must be a table, got {value!r}")
        return value

    def only_keys(
        self, data: Mapping[str, Any], table: str | None, allowed: frozenset[str]
    ) -> None:
        for key in data:
            if key not in allowed:
                where = f"[{table}] " if table else ""
                known = ", ".join(sorted(allowed))
                raise ConfigurationError(
                    f"{self.source}: {where}unknown key {key!r} (known keys: {known})"
                )

    @contextlib.contextmanager
    def key(self, table: str, key: str) -> Iterator[None]:
        """Turn an error raised while checking ``[table] key`` into a ConfigurationError."""
        try:
            yield
        except ConfigurationError:
            raise
        except (InvalidInputError, TypeError) as error:
            raise ConfigurationError(f"{self.source}: [{table}] {key}: {error}") from None
