"""A SEPA credit transfer file for a month of allocations familiales, and the bank's answers.

Run from the ``examples/`` directory: ``python sepa_file.py``.

1. Five beneficiaries with the names families really have (accents, ligatures, apostrophes,
   an ampersand) become :class:`CreditTransfer` values, transliterated to the SEPA set;
2. the pain.001.001.09 file is streamed into a file of a temporary directory, from a
   generator, with the totals declared in the header;
3. the file is checked (SEPA rules, and the XSD when ``xmlschema`` is installed);
4. a status report (pain.002) rejects one transfer and a notification (camt.054) returns
   another: the readers say which, and why.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from allocations import (
    CreditTransfer,
    FileHeader,
    PaymentOrganisation,
    read_camt054,
    read_payment_status_report,
    validate_pain001,
    write_pain001,
)
from allocations.money import to_cents

# (name, IBAN, BIC or None, amount) — invented beneficiaries with well-known valid IBANs.
BENEFICIARIES = [
    ("Hélène Lefèvre-Dœuf", "FR7630006000011234567890189", None, "148.52"),
    ("Jean-François O’Brien & Fils", "DE89370400440532013000", "COBADEFFXXX", "297.04"),
    ("Zoë « Petit » Ñúñez", "BE68539007547034", None, "148.52"),
    ("Æthelstan Søndergård", "NL91ABNA0417164300", "ABNANL2A", "466.44"),
    ("Marie-Noëlle Çelik", "ES9121000418450200051332", None, "52.11"),
]

STATUS_REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
 <GrpHdr><MsgId>BQ-STS-1</MsgId><CreDtTm>2027-02-02T09:00:00+01:00</CreDtTm></GrpHdr>
 <OrgnlGrpInfAndSts><OrgnlMsgId>CAF75-2027-02-RUN1</OrgnlMsgId>
  <OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
 <OrgnlPmtInfAndSts><OrgnlPmtInfId>CAF75-2027-02-RUN1-P1</OrgnlPmtInfId>
  <TxInfAndSts><OrgnlEndToEndId>AF-2027-02-000004</OrgnlEndToEndId><TxSts>RJCT</TxSts>
   <StsRsnInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>Numero de compte incorrect</AddtlInf></StsRsnInf>
  </TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""

NOTIFICATION = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
 <GrpHdr><MsgId>BQ-NTF-1</MsgId><CreDtTm>2027-02-09T18:00:00+01:00</CreDtTm></GrpHdr>
 <Ntfctn><Id>1</Id><Acct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></Acct>
  <Ntry><Amt Ccy="EUR">148.52</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
   <BookgDt><Dt>2027-02-09</Dt></BookgDt><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>
   <SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
   <NtryDtls><TxDtls><Refs><MsgId>CAF75-2027-02-RUN1</MsgId>
    <EndToEndId>AF-2027-02-000003</EndToEndId></Refs>
    <RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Compte clos</AddtlInf></RtrInf></TxDtls></NtryDtls>
  </Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""


def transfers() -> Iterator[CreditTransfer]:
    for number, (name, iban, bic, amount) in enumerate(BENEFICIARIES, start=1):
        yield CreditTransfer(
            end_to_end_id=f"AF-2027-02-{number:06d}",
            instruction_id=f"AF-2027-02-{number:06d}-1",
            amount_cents=to_cents(Decimal(amount)),
            creditor_name=name,
            creditor_iban=iban,
            creditor_bic=bic,
            remittance=f"CAF allocations familiales février 2027 dossier {number:06d}",
        )


def main() -> None:
    print("Names as the bank will see them:")
    for original, transfer in zip(BENEFICIARIES, transfers(), strict=True):
        print(f"    {original[0]:<30} -> {transfer.creditor_name}")

    header = FileHeader(
        message_id="CAF75-2027-02-RUN1",
        creation_datetime=dt.datetime(2027, 2, 1, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        payment_information_id="CAF75-2027-02-RUN1-P1",
        requested_execution_date=dt.date(2027, 2, 5),
        number_of_transactions=len(BENEFICIARIES),
        control_sum_cents=sum(to_cents(Decimal(b[3])) for b in BENEFICIARIES),
    )
    debtor = PaymentOrganisation(
        name="Caisse d’allocations familiales de Paris",
        iban="FR1420041010050500013M02606",
        bic="PSSTFRPPPAR",
    )
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "CAF75-2027-02-RUN1.xml"
        with path.open("wb") as sink:
            size = write_pain001(sink, header, debtor, transfers())
        data = path.read_bytes()
    print(f"\nWrote {path.name}: {size} bytes, first lines:")
    for line in data.decode().splitlines()[:9]:
        print(f"    {line}")

    print("\nValidation (what `allocations validate FILE` prints):")
    for line in validate_pain001(data).format().splitlines():
        print(f"    {line}")

    report = read_payment_status_report(STATUS_REPORT)
    print(f"\nStatus report {report.message_id} about {report.original_message_id}:")
    for number in range(1, len(BENEFICIARIES) + 1):
        end_to_end_id = f"AF-2027-02-{number:06d}"
        status = report.status_of(end_to_end_id, header.payment_information_id)
        if status is None:
            print(f"    {end_to_end_id}: not listed (file partly accepted: see the camt.054)")
        else:
            print(
                f"    {end_to_end_id}: {status.status.value} ({status.status_code}), "
                f"reason {status.reason_code}: {status.additional_information}"
            )

    notification = read_camt054(NOTIFICATION)
    print(f"\nNotification {notification.message_id}:")
    for returned in notification.returns:
        print(
            f"    {returned.end_to_end_id} returned on {returned.booking_date}: "
            f"{Decimal(returned.amount_cents) / 100} EUR, reason {returned.return_reason_code}"
        )


if __name__ == "__main__":
    main()
