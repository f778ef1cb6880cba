"""pain.001 benchmarks: writing time, peak memory, validation time (prints figures only).

Run: ``.venv/bin/python benchmarks/pain001.py`` (about 40 s on the reference machine);
add ``--million`` for the 1,000,000-transfer figures (about 1 minute more).

- *write*: :func:`write_pain001` from transfers already built (a list) and a header whose
  declared totals are known (a run has them from its journal), into a file in a temporary
  directory; best of 3. Target (issue 4): 100,000 transfers in 0.3 s or less.
- *build*: constructing the :class:`CreditTransfer` values (transliteration, identifier,
  IBAN and BIC checks); what a run pays once per transfer before writing.
- *peak RSS*: a child process builds the transfers from a generator and streams them into a
  file; its peak resident memory (``VmHWM``) minus that of a child writing one transfer (the interpreter and
  the library). Flat in the number of transfers means the writer holds neither the input nor
  the output.
- *validate*: :func:`validate_pain001`, SEPA rules only, then with the XSD (xmlschema).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from allocations.iso20022 import (
    CreditTransfer,
    FileHeader,
    MessageDefinition,
    PaymentOrganisation,
    validate_pain001,
    write_pain001,
)

VERSIONS = (MessageDefinition.PAIN_001_001_09, MessageDefinition.PAIN_001_001_03)
DEBTOR = PaymentOrganisation(
    "Caisse d'allocations familiales de Paris", "FR1420041010050500013M02606", "PSSTFRPPPAR"
)
NAMES = ("Hélène Lefèvre", "Jean-François Dupont", "Zoë Martin", "Noël Œhler", "Ana Pérez")


def transfers(count: int) -> Iterator[CreditTransfer]:
    """Realistic transfers: accented names (slow path), a BIC for one in three."""
    for n in range(count):
        yield CreditTransfer(
            end_to_end_id=f"AF-2027-02-{n:09d}",
            instruction_id=f"AF-2027-02-{n:09d}-1",
            amount_cents=14_852 + (n % 7) * 14_852,
            creditor_name=f"{NAMES[n % len(NAMES)]} {n}",
            creditor_iban="FR7630006000011234567890189",
            creditor_bic="BNPAFRPPXXX" if n % 3 == 0 else None,
            remittance=f"CAF allocations familiales février 2027 dossier {n:09d}",
        )


def header(count: int) -> FileHeader:
    total = sum(14_852 + (n % 7) * 14_852 for n in range(count))
    return FileHeader(
        message_id="CAF75-2027-02-RUN1",
        creation_datetime=dt.datetime(2027, 2, 1, 6, 0, tzinfo=dt.UTC),
        payment_information_id="CAF75-2027-02-RUN1-P1",
        requested_execution_date=dt.date(2027, 2, 5),
        number_of_transactions=count,
        control_sum_cents=total,
    )


def child(count: int, version: str, path: str) -> None:
    """Stream ``count`` transfers from a generator into ``path``; print the peak RSS in KiB."""
    with open(path, "wb") as sink:
        write_pain001(sink, header(count), DEBTOR, transfers(count), version=version)
    print(_high_water_kib())


def _high_water_kib() -> int:
    # VmHWM is this process's own peak; ru_maxrss also counts the parent's memory at fork
    # time on Linux (it survives exec), which would hide the child's figure.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def peak_rss_kib(count: int, version: str, path: Path) -> int:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(count), version, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(result.stdout.strip())


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        child(int(argv[1]), argv[2], argv[3])
        return 0
    sizes = [10_000, 100_000] + ([1_000_000] if "--million" in argv else [])
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, best of 3 unless noted")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "pain001.xml"
        baseline = {v: peak_rss_kib(1, v.value, path) for v in VERSIONS}
        for count in sizes:
            built = time.perf_counter()
            values = list(transfers(count))
            built = time.perf_counter() - built
            print(f"\n{count:,} transfers: build {built:.3f} s ({built / count * 1e6:.1f} µs each)")
            declared = header(count)  # its totals are the caller's, known before writing
            for version in VERSIONS:
                best = float("inf")
                for _ in range(3):
                    gc.collect()
                    start = time.perf_counter()
                    with open(path, "wb") as sink:
                        size = write_pain001(sink, declared, DEBTOR, values, version=version)
                    best = min(best, time.perf_counter() - start)
                rss = peak_rss_kib(count, version.value, path) - baseline[version]
                print(
                    f"  {version.value}: write {best:.3f} s, {size / 2**20:.1f} MiB, "
                    f"peak RSS streaming from a generator +{rss / 1024:.1f} MiB over 1 transfer"
                )
            del values
            data = path.read_bytes()  # the last version written (.03)
            start = time.perf_counter()
            report = validate_pain001(data, xsd=False)
            seconds = time.perf_counter() - start
            assert_like = "valid" if report.is_valid else "INVALID"
            print(f"  validate_pain001 (.03), SEPA rules only: {seconds:.2f} s, {assert_like}")
            if count == sizes[0]:
                start = time.perf_counter()
                report = validate_pain001(data)
                seconds = time.perf_counter() - start
                print(
                    f"  validate_pain001 (.03), SEPA rules + XSD ({report.xsd_note}): "
                    f"{seconds:.2f} s, {'valid' if report.is_valid else 'INVALID'} (one run)"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
