"""Synthetic ward package: a full package shaped like the ward's real export.

The demo, the benchmarks and many tests load data the way production does, through the
package import (ARCHITECTURE.md, "one way in"): this module writes a package, never
tables. At scale 1.0 it is the size of Shinjuku's caseload (BRIEF.md): ≈15,000
resident-tax payers, ≈1,500 light-vehicle-tax payers, ≈29,000 NHI households.

Everything comes from one `random.Random(seed)` and a seeded Faker, and the only date
used is `today`, so the same arguments give the same CSV files. The parts: register.py
(households and persons), ledger.py (notices, bills, payments, case records),
common.py (calendar, weighted draws), data.py (word lists).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from saikoku.core.dates import TOKYO
from saikoku.demo.common import Weighted
from saikoku.demo.ledger import Ledger
from saikoku.demo.register import Payer, Register
from saikoku.interchange.spec import SPECS
from saikoku.interchange.writer import build_manifest, package_file, write_package

# Caseload at scale 1.0 (BRIEF.md).
RT_PAYERS = 15_000
LV_PAYERS = 1_500
NH_HOUSEHOLDS = 29_000
# Overlaps between the levies' payer lists: a self-employed householder owes resident
# tax and NHI; a light vehicle's owner usually owes resident tax too.
RT_SHARE_FROM_NH = 0.03
LV_SHARE_FROM_RT = 0.50
LV_SHARE_FROM_NH = 0.05

NH_AGE_GROUPS = Weighted((0, 1, 2), (35, 30, 35))


@dataclass(frozen=True)
class PackageSummary:
    package_id: str
    path: Path
    sha256: str
    rows: dict[str, int]
    encoding: str = "utf-8"


def _build(register: Register, ledger: Ledger, *, rng: random.Random, scale: float) -> None:
    """Draws the payers of each levy, their households, and their arrears."""
    n_nh = max(1, round(NH_HOUSEHOLDS * scale))
    n_rt = max(1, round(RT_PAYERS * scale))
    n_lv = max(1, round(LV_PAYERS * scale))
    rt_from_nh = min(n_nh, round(n_rt * RT_SHARE_FROM_NH))
    lv_from_rt = round(n_lv * LV_SHARE_FROM_RT)
    lv_from_nh = min(n_nh, round(n_lv * LV_SHARE_FROM_NH))
    rt_new = n_rt - rt_from_nh
    lv_from_rt = min(lv_from_rt, n_rt)
    lv_new = max(0, n_lv - lv_from_rt - lv_from_nh)
    # Household numbers are handed out in a shuffled order so that the levies'
    # payers interleave in the register as they would in the ward's.
    kinds = ["NH"] * n_nh + ["RT"] * rt_new + ["LV"] * lv_new
    rng.shuffle(kinds)
    payers: list[Payer] = []
    nh: list[Payer] = []
    rt: list[Payer] = []
    for number, kind in enumerate(kinds, start=1):
        if kind == "NH":
            group = NH_AGE_GROUPS.pick(rng)
            age = (rng.randint(20, 34), rng.randint(35, 64), rng.randint(65, 74))[group]
            payer = register.household(number, head_age=age, payer_is_head=True,
                                   foreign_share=0.15)  # fmt: skip
            nh.append(payer)
        else:
            age = int(rng.triangular(22, 80, 42)) if kind == "RT" else rng.randint(20, 80)
            payer = register.household(
                number,
                head_age=age,
                payer_is_head=rng.random() >= 0.15,
                foreign_share=0.08 if kind == "RT" else 0.03,
            )
            if kind == "RT":
                rt.append(payer)
        payer.levies.append(kind)
        payers.append(payer)
    for payer in rng.sample(nh, rt_from_nh):
        payer.levies.append("RT")
        rt.append(payer)
    for payer in rng.sample(rt, lv_from_rt) + rng.sample(nh, lv_from_nh):
        if "LV" not in payer.levies:
            payer.levies.append("LV")
    for payer in payers:
        for levy in ("RT", "LV", "NH"):
            if levy in payer.levies:
                # Members with employees' insurance are not insured by the NHI.
                size = payer.household_size
                count = size if rng.random() < 0.8 else rng.randint(1, size)
                ledger.levy_for(payer, levy, insured=count)
    ledger.case_records(payers)


def generate_package(
    path: Path,
    *,
    scale: float = 1.0,
    seed: int = 1,
    password: str | None = None,
    encoding: str = "utf-8",
    today: date | None = None,
) -> PackageSummary:
    """Writes a full ward-to-center package of synthetic residents and arrears to
    `path` and returns its id, SHA-256 and row counts."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    today = today or datetime.now(tz=TOKYO).date()  # the ward's today, not the server's
    rng = random.Random(seed)  # noqa: S311 - reproducible on purpose, not a secret
    cp932 = encoding.replace("_", "").replace("-", "").lower() in {"cp932", "ms932"}
    register = Register(rng=rng, today=today, seed=seed, cp932=cp932)
    ledger = Ledger(rng=rng, today=today)
    _build(register, ledger, rng=rng, scale=scale)
    tables = {
        "persons.csv": register.persons,
        "assessments.csv": ledger.assessments,
        "bills.csv": ledger.bills,
        "payments.csv": ledger.payments,
        "plans.csv": ledger.plans,
        "measures.csv": ledger.measures,
        "history.csv": ledger.history,
        "accounts.csv": ledger.accounts,
    }
    files = {}
    for name, rows in tables.items():
        files[name] = package_file(SPECS[name], rows, encoding=encoding)
        rows.clear()  # the encoded bytes are all that is needed from here on
    package_id = f"{today:%Y%m%d}-demo{seed}" + ("" if scale == 1 else f"-x{scale:g}")
    extracted_at = datetime.combine(today, time(6, 0), tzinfo=TOKYO)
    manifest = build_manifest(
        package_id=package_id, files=files, encoding=encoding, extracted_at=extracted_at
    )
    sha256 = write_package(path, manifest=manifest, files=files, password=password)
    return PackageSummary(
        package_id=package_id,
        path=path,
        sha256=sha256,
        rows={name: rows for name, (_data, rows) in files.items()},
        encoding=encoding,
    )


__all__ = ["PackageSummary", "generate_package"]
