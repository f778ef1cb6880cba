"""Invariants of the SEPA text filter and of the pain.001 writer, on hostile input.

Every file the writer produces from whatever names and remittance texts Hypothesis finds
(accents, emoji, ``<&>``, 200 characters, right-to-left text, control characters) is valid
against the official XSD and passes the SEPA rules; text with nothing left in the SEPA set is
refused at construction, naming the value.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocations.errors import SepaValidationError
from allocations.iso20022 import (
    MAX_AMOUNT_CENTS,
    SEPA_CHARACTERS,
    CreditTransfer,
    FileHeader,
    MessageDefinition,
    PaymentOrganisation,
    render_pain001,
    to_sepa_text,
    validate_against_xsd,
    validate_pain001,
    write_pain001,
)
from allocations.iso20022._charset import _transliterate, _transliterate_char

HOSTILE_PIECES = [
    "é", "Œ", "œ", "ß", "Æ", "ø", "’", "«", "»", "“", "&", "<", ">", '"', "_", "€", "\t", "\n",
    "\x00", "\x1f", "\u200f", "\u202e", "\u200b", "\u00ad", "😀", "👨‍👩‍👧", "שלום", "مرحبا",
    "Иван", "漢字", "ＡＢ", "ﬁ", "  ", " ", "/", "//", "'", "é" * 80, "Œ" * 40,
]  # fmt: skip

hostile_text = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=5)), max_size=40).map(
        "".join
    ),
)
sepa_alphabet = st.text(alphabet=sorted(SEPA_CHARACTERS), max_size=200)
identifiers = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9\-.:]{0,33}[A-Za-z0-9]", fullmatch=True)
IBANS = ["FR7630006000011234567890189", "DE89370400440532013000", "BE68539007547034"]
BICS = [None, "BNPAFRPPXXX", "GEBABEBB", "COBADEFF"]


@given(hostile_text, st.integers(min_value=1, max_value=140))
def test_sepa_text_is_in_the_set_within_length_or_refused(text: str, max_length: int) -> None:
    if not _transliterate(text):
        with pytest.raises(SepaValidationError, match=re.escape(repr(text))):
            to_sepa_text(text, max_length=max_length, field="name")
        return
    clean = to_sepa_text(text, max_length=max_length, field="name")
    assert set(clean) <= SEPA_CHARACTERS
    assert 1 <= len(clean) <= max_length
    assert "  " not in clean
    assert clean == clean.strip(" ")
    # Idempotent: clean text goes through unchanged.
    assert to_sepa_text(clean, max_length=max_length) == clean


@given(sepa_alphabet)
def test_fast_path_and_slow_path_agree(text: str) -> None:
    try:
        fast = to_sepa_text(text, max_length=200)
    except SepaValidationError:
        assert not text.strip(" ")
        return
    assert fast == _transliterate(text)


@given(hostile_text)
def test_precomputed_table_agrees_with_the_reference_algorithm(text: str) -> None:
    # Character by character, then spaces collapsed and trimmed (the output has no other
    # whitespace than the space, so str.split() is the collapse).
    reference = "".join(_transliterate_char(char) for char in text)
    assert _transliterate(text) == " ".join(reference.split())


@st.composite
def transfer_lists(draw: st.DrawFn) -> list[CreditTransfer]:
    count = draw(st.integers(min_value=1, max_value=4))
    ids = draw(st.lists(identifiers, min_size=count, max_size=count, unique=True))
    transfers = []
    for index, end_to_end_id in enumerate(ids):
        name = draw(hostile_text)
        remittance = draw(hostile_text)
        values = {
            "end_to_end_id": end_to_end_id,
            "instruction_id": f"I{index}",
            "amount_cents": draw(st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS)),
            "creditor_name": name,
            "creditor_iban": draw(st.sampled_from(IBANS)),
            "creditor_bic": draw(st.sampled_from(BICS)),
            "remittance": remittance,
        }
        if not _transliterate(name) or not _transliterate(remittance):
            # Only text with nothing left in the SEPA set is refused, naming the value.
            with pytest.raises(SepaValidationError, match="no character left"):
                CreditTransfer(**values)
            continue
        transfer = CreditTransfer(**values)
        transfers.append(transfer)
    if not transfers:
        transfers.append(CreditTransfer("E2E-0", "I-0", 1, "Fallback", IBANS[0], None, "Fallback"))
    return transfers


def header_for(transfers: list[CreditTransfer]) -> FileHeader:
    return FileHeader(
        message_id="RUN-PROP",
        creation_datetime=dt.datetime(2027, 2, 1, 6, 0, tzinfo=dt.UTC),
        payment_information_id="RUN-PROP-P1",
        requested_execution_date=dt.date(2027, 2, 5),
        number_of_transactions=len(transfers),
        control_sum_cents=sum(t.amount_cents for t in transfers),
    )


DEBTOR = PaymentOrganisation("CAF « Île-de-France » & co", "FR1420041010050500013M02606")
VERSIONS = [MessageDefinition.PAIN_001_001_09, MessageDefinition.PAIN_001_001_03]


@pytest.mark.parametrize("version", VERSIONS)
@settings(max_examples=25)  # XSD validation costs a few ms per file: a modest number
@given(transfers=transfer_lists())
def test_every_file_is_valid_against_the_xsd_and_the_sepa_rules(
    version: MessageDefinition, transfers: list[CreditTransfer]
) -> None:
    data = render_pain001(header_for(transfers), DEBTOR, transfers, version=version)
    xsd = validate_against_xsd(data)  # the shipped XSD, built once per session (cached)
    assert xsd.xsd_checked
    assert xsd.is_valid, xsd.format()
    sepa = validate_pain001(data, xsd=False)
    assert sepa.findings == (), sepa.format()


@pytest.mark.parametrize("version", VERSIONS)
@given(transfers=transfer_lists())
def test_output_is_deterministic_and_carries_the_values(
    version: MessageDefinition, transfers: list[CreditTransfer]
) -> None:
    header = header_for(transfers)
    data = render_pain001(header, DEBTOR, transfers, version=version)
    # Same input, same bytes, whether the transfers come as a list or a generator.
    streamed = io.BytesIO()
    write_pain001(streamed, header, DEBTOR, iter(transfers), version=version)
    assert streamed.getvalue() == data
    # The values come back out of the XML as they went in (nothing escaped or lost).
    namespace = {"p": version.namespace}
    root = ElementTree.fromstring(data)
    rows = root.findall(".//p:CdtTrfTxInf", namespace)
    assert [
        (
            row.findtext("p:PmtId/p:EndToEndId", namespaces=namespace),
            row.findtext("p:Cdtr/p:Nm", namespaces=namespace),
            row.findtext("p:RmtInf/p:Ustrd", namespaces=namespace),
            Decimal(row.findtext("p:Amt/p:InstdAmt", namespaces=namespace) or "") * 100,
        )
        for row in rows
    ] == [(t.end_to_end_id, t.creditor_name, t.remittance, t.amount_cents) for t in transfers]
    total = sum(t.amount_cents for t in transfers)
    control_sums = re.findall(rb"<CtrlSum>([0-9.]+)</CtrlSum>", data)
    assert control_sums == [f"{total // 100}.{total % 100:02d}".encode()] * 2
