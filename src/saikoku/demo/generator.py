"""Synthetic ward package: a full package shaped like the ward's real export.

The demo, the benchmarks and many tests load data the way production does, through the
package import (ARCHITECTURE.md, "one way in"): this module writes a package, never
tables. At scale 1.0 it is the size of Shinjuku's caseload (BRIEF.md): ≈15,000
resident-tax payers, ≈1,500 light-vehicle-tax payers, ≈29,000 NHI households.

Everything comes from one `random.Random(seed)` and a seeded Faker, and the only date
used is `today`, so the same arguments give the same CSV files. Faker is slow, so it
only fills small pools of names up front; the rows are drawn from those pools.
"""

from __future__ import annotations

import bisect
import calendar
import functools
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jaconv
import jpholiday
from faker import Faker

from saikoku.demo import data
from saikoku.interchange.writer import build_manifest, csv_bytes, write_package

TOKYO = ZoneInfo("Asia/Tokyo")
ONE_DAY = timedelta(days=1)


class Weighted:
    """A weighted choice that is cheap to repeat (random.choices recomputes the
    cumulative weights on every call; the generator makes about a million picks)."""

    def __init__(self, items: Sequence, weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cum = tuple(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


# Caseload at scale 1.0 (BRIEF.md).
RT_PAYERS = 15_000
LV_PAYERS = 1_500
NH_HOUSEHOLDS = 29_000
# Overlaps between the levies' payer lists: a self-employed householder owes resident
# tax and NHI; a light vehicle's owner usually owes resident tax too.
RT_SHARE_FROM_NH = 0.03
LV_SHARE_FROM_RT = 0.50
LV_SHARE_FROM_NH = 0.05

HEADERS: dict[str, tuple[str, ...]] = {
    "persons.csv": (
        "resident_no", "household_no", "is_householder", "relationship", "name",
        "name_kana", "sex", "birth_date", "nationality", "postal_code", "address",
        "resident_since", "mailing_postal_code", "mailing_address", "phone_1", "phone_2",
        "phone_3", "not_resident", "public_notice", "caution", "caution_note",
        "deceased_on", "occupation",
    ),
    "assessments.csv": (
        "levy", "fiscal_year", "notice_no", "payer_resident_no", "annual_amount",
        "notice_issued_on", "vehicle_plate", "vehicle_kind", "insured_count",
    ),
    "bills.csv": (
        "levy", "fiscal_year", "notice_no", "period", "amount", "due_date", "paid_amount",
        "demand_sent_on", "late_charge_paid",
    ),
    "payments.csv": (
        "payment_id", "levy", "fiscal_year", "notice_no", "period", "amount", "paid_on",
        "recorded_on", "method",
    ),
    "plans.csv": (
        "plan_id", "payer_resident_no", "agreed_on", "status", "monthly_amount",
        "next_due_on", "note",
    ),
    "measures.csv": ("measure_id", "payer_resident_no", "kind", "start_on", "end_on", "note"),
    "history.csv": ("record_id", "payer_resident_no", "at", "channel", "summary"),
    "accounts.csv": (
        "payer_resident_no", "levy", "bank_code", "branch_code", "account_type",
        "account_no", "holder_kana", "start_on", "end_on",
    ),
}  # fmt: skip

NOTICE_PREFIX = {"RT": ("R", 100_001), "LV": ("L", 100_001), "NH": ("N", 700_001)}
PAYMENT_METHODS = Weighted(
    ("conbini", "bank", "counter", "qr", "card", "other"), (35, 22, 10, 15, 10, 3)
)
PHONE_STYLES = Weighted(range(8), (55, 15, 7, 3, 7, 5, 3, 5))
MOBILE_AREAS = Weighted(("090", "080", "070"), (5, 4, 2))
PHONE_KINDS = Weighted(("mobile", "landline", "ip"), (76, 21, 3))
FLOORS = Weighted((1, 2, 3, 4, 5, 6, 8, 12), (6, 6, 5, 4, 3, 2, 1, 1))
SIZES_YOUNG = Weighted((1, 2, 3, 4), (75, 15, 7, 3))
SIZES_MIDDLE = Weighted((1, 2, 3, 4, 5), (35, 25, 20, 15, 5))
SIZES_OLD = Weighted((1, 2, 3), (50, 45, 5))
PROFILES = Weighted(("early", "mid", "old", "paid_up"), (50, 30, 17, 3))
LV_KINDS = Weighted(data.LV_KINDS, [k[4] for k in data.LV_KINDS])
PLAN_STATUSES = Weighted(("active", "completed", "broken", "cancelled"), (55, 20, 20, 5))
MEASURE_KINDS = Weighted(tuple(data.MEASURE_NOTES), (30, 15, 10, 20, 10, 15))
NH_AGE_GROUPS = Weighted((0, 1, 2), (35, 30, 35))
TOWNS = Weighted(data.TOWNS, [t[3] for t in data.TOWNS])
FOREIGN = Weighted(data.FOREIGN, [f["weight"] for f in data.FOREIGN])
OCCUPATIONS = Weighted([o for o, _ in data.OCCUPATIONS], [w for _, w in data.OCCUPATIONS])
# Days from payment to 消込 by channel: a counter books at once, convenience stores
# report in batches a few days later.
RECORDING_LAG = {
    "counter": (0, 0), "bank": (2, 4), "conbini": (3, 7), "debit": (3, 3),
    "qr": (2, 5), "card": (2, 5), "other": (3, 10),
}  # fmt: skip


@dataclass(frozen=True)
class PackageSummary:
    package_id: str
    path: Path
    sha256: str
    rows: dict[str, int]
    encoding: str = "utf-8"


# --- calendar -------------------------------------------------------------------------


@functools.cache
def is_closed(day: date) -> bool:
    """Ward offices and banks are closed: weekends, national holidays and 12/29–1/3."""
    return (
        day.weekday() >= 5
        or jpholiday.is_holiday(day)
        or (day.month == 12 and day.day >= 29)
        or (day.month == 1 and day.day <= 3)
    )


def next_business_day(day: date) -> date:
    while is_closed(day):
        day += ONE_DAY
    return day


def previous_business_day(day: date) -> date:
    while is_closed(day):
        day -= ONE_DAY
    return day


def fiscal_year_of(day: date) -> int:
    """The Japanese fiscal year (年度) runs from April 1 to March 31."""
    return day.year if day.month >= 4 else day.year - 1


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@functools.cache
def levy_schedule(levy: str, fiscal_year: int) -> tuple[tuple[int, date], ...]:
    """(period, due date) of a full-year notice. The ordinance puts due dates at month
    ends; one that falls on a closed day moves to the next business day (地方税法
    第20条の5)."""
    fy = fiscal_year
    months = {
        "RT": ((fy, 6), (fy, 8), (fy, 10), (fy + 1, 1)),
        "LV": ((fy, 5),),
        "NH": tuple((fy, m) for m in range(6, 13)) + tuple((fy + 1, m) for m in (1, 2, 3)),
    }[levy]
    return tuple(
        (index + 1, next_business_day(_month_end(year, month)))
        for index, (year, month) in enumerate(months)
    )


def notice_date(levy: str, fiscal_year: int, first_due: date, *, full_year: bool) -> date:
    if full_year:
        base = {"RT": (6, 10), "LV": (5, 1), "NH": (6, 15)}[levy]
        return next_business_day(date(fiscal_year, *base))
    # A notice issued mid-year (moving in, leaving an employer's payroll deduction)
    # reaches the payer about three weeks before its first due date.
    return next_business_day(first_due - timedelta(days=21))


@functools.cache
def demand_date(due: date) -> date:
    """督促状 go out within 20 days of the due date (地方税法第329条)."""
    return previous_business_day(due + timedelta(days=19))


# --- people ---------------------------------------------------------------------------


@dataclass(slots=True)
class Payer:
    resident_no: str
    kana: str
    age: int
    household_size: int
    levies: list[str] = field(default_factory=list)
    earliest_unpaid: date | None = None
    balance: int = 0


class _Pools:
    """Names and buildings drawn once from Faker (slow) and sampled many times (fast)."""

    def __init__(self, fake: Faker, rng: random.Random, *, size: int = 3000) -> None:
        common = round(size * 0.7)
        self.surnames = [tuple(fake.last_name_pair()[:2]) for _ in range(common)]
        self.surnames += [rng.choice(data.EXTRA_SURNAMES) for _ in range(size - common)]
        self.male = [tuple(fake.first_name_male_pair()[:2]) for _ in range(size // 4)]
        self.male += list(data.EXTRA_GIVEN_MALE) * 8
        self.female = [tuple(fake.first_name_female_pair()[:2]) for _ in range(size // 4)]
        self.female += list(data.EXTRA_GIVEN_FEMALE) * 8
        kinds = [fake.building_name() for _ in range(200)]
        self.buildings = [f"{rng.choice(data.BUILDING_WORDS)}{k}" for k in kinds]


class _Generator:
    def __init__(self, *, scale: float, seed: int, encoding: str, today: date) -> None:
        # Reproducible, not secret: the same seed must give the same residents.
        self.rng = random.Random(seed)  # noqa: S311
        fake = Faker("ja_JP")
        fake.seed_instance(seed)
        self.pools = _Pools(fake, self.rng)
        self.scale = scale
        self.today = today
        # The extract runs at 06:00: nothing of today is in it yet.
        self.asof = today - ONE_DAY
        self.fiscal_year = fiscal_year_of(today)
        self.cp932 = encoding.replace("_", "").replace("-", "").lower() in {"cp932", "ms932"}
        self.persons: list[tuple] = []
        self.assessments: list[tuple] = []
        self.bills: list[tuple] = []
        self.payments: list[tuple] = []
        self.plans: list[tuple] = []
        self.measures: list[tuple] = []
        self.history: list[tuple] = []
        self.accounts: list[tuple] = []
        self.notice_counters: dict[tuple[str, int], int] = {}
        self.payment_seq = 0

    # -- text ---------------------------------------------------------------------------

    def safe(self, text: str) -> str:
        """A CP932 export cannot carry 𠮷 or variation selectors: the ward's legacy
        system writes the standard form instead."""
        if not self.cp932:
            return text
        return text.translate(_CP932_TABLE)

    def kana_form(self, kana: str) -> str:
        """Readings arrive full-width mostly, half-width from older systems, now and
        then in hiragana; the importer folds them all to full-width katakana."""
        roll = self.rng.random()
        if roll < 0.08:
            return jaconv.z2h(kana, kana=True, ascii=False, digit=False)
        if roll < 0.10 and "ヴ" not in kana:  # ゔ has no CP932 code
            return jaconv.kata2hira(kana)
        return kana

    def birth_date(self, age: int) -> date:
        return self.today - timedelta(days=age * 365 + age // 4 + self.rng.randrange(365))

    def phone(self, kind: str) -> str:
        rng = self.rng
        if rng.random() < 0.025:
            return rng.choice(
                (
                    "03-1234",
                    f"090-{rng.randint(100, 999)}-{rng.randint(100, 999)}",
                    f"080-{rng.randint(1000, 9999)}-{rng.randint(100, 999)}",
                    f"03-{rng.randint(3000, 6999)}-{rng.randint(100, 999)}",
                    "不明",
                )
            )
        if kind == "mobile":
            area = MOBILE_AREAS.pick(rng)
        elif kind == "ip":
            area = "050"
        else:
            area = "03"
        middle = str(rng.randint(3000, 6999) if area == "03" else rng.randint(1000, 9999))
        last = f"{rng.randrange(10000):04d}"
        style = PHONE_STYLES.pick(rng)
        if style == 0:
            return f"{area}-{middle}-{last}"
        if style == 1:
            return f"{area}{middle}{last}"
        if style == 2:
            return f"{area}({middle}){last}"
        if style == 3:
            return f"({area}){middle}-{last}"
        if style == 4:
            return jaconv.h2z(f"{area}-{middle}-{last}", digit=True, ascii=True).replace("-", "－")
        if style == 5:
            return f"+81 {area[1:]} {middle} {last}"
        if style == 6:
            return f"+81-{area[1:]}-{middle}-{last}"
        return f"{area} {middle} {last}"

    def phones(self, *, payer: bool, adult: bool) -> list[str]:
        rng = self.rng
        if not adult or rng.random() > (0.85 if payer else 0.25):
            return ["", "", ""]
        kind = PHONE_KINDS.pick(rng)
        numbers = [self.phone(kind)]
        if payer and rng.random() < 0.28:
            numbers.append(self.phone("landline" if kind == "mobile" else "mobile"))
            if rng.random() < 0.15:
                numbers.append(self.phone("mobile"))
        return numbers + [""] * (3 - len(numbers))

    def address(self) -> tuple[str, str]:
        rng = self.rng
        town, postal, chome_count, _ = TOWNS.pick(rng)
        if chome_count:
            chome = data.KANJI_NUMERALS[rng.randint(1, chome_count)] + "丁目"
            ban, go = rng.randint(1, 30), rng.randint(1, 25)
        else:
            chome = ""
            ban, go = rng.randint(1, 180), rng.randint(1, 30)
        number = f"{ban}番{go}号" if rng.random() < 0.1 else f"{ban}-{go}"
        prefix = "新宿区" if rng.random() < 0.1 else "東京都新宿区"
        text = f"{prefix}{town}{chome}{number}"
        if rng.random() < 0.55:
            floor = FLOORS.pick(rng)
            text += f" {rng.choice(self.pools.buildings)}{floor}{rng.randint(1, 9):02d}"
        if rng.random() < 0.15:
            postal = postal.replace("-", "")
        return postal, text

    # -- households ---------------------------------------------------------------------

    def name(self, surname: tuple[str, str], sex: str, foreign: dict | None) -> tuple[str, str]:
        rng = self.rng
        female = sex == "2"
        if foreign is not None:
            given, given_kana = rng.choice(foreign["female" if female else "male"])
            family, family_kana = surname
            kana = f"{family_kana} {given_kana}"
            if foreign["script"] == "latin" and rng.random() < 0.2:
                return kana, kana
            return f"{family} {given}", kana
        given, given_kana = rng.choice(self.pools.female if female else self.pools.male)
        sep = "　" if rng.random() < 0.1 else " "
        return f"{surname[0]}{sep}{given}", f"{surname[1]} {given_kana}"

    def surname(self, foreign: dict | None) -> tuple[str, str]:
        rng = self.rng
        if foreign is not None:
            return rng.choice(foreign["family"])
        kanji, kana = rng.choice(self.pools.surnames)
        roll = rng.random()
        for variant, share in data.SURNAME_VARIANTS.get(kanji, ()):
            if roll < share:
                return variant, kana
            roll -= share
        if rng.random() < 0.0005:
            # 外字: the ward's own character in the private use area (spec §2).
            kanji = chr(0xE000 + rng.randrange(0x100)) + kanji[1:]
        return kanji, kana

    def household(self, household_no: int, *, head_age: int, payer_is_head: bool,
                  foreign_share: float) -> Payer:  # fmt: skip
        """Writes one household's persons and returns its payer."""
        rng = self.rng
        foreign = None
        if rng.random() < foreign_share:
            foreign = FOREIGN.pick(rng)
        surname = self.surname(foreign)
        if head_age < 35:
            size = SIZES_YOUNG.pick(rng)
        elif head_age < 65:
            size = SIZES_MIDDLE.pick(rng)
        else:
            size = SIZES_OLD.pick(rng)
        if not payer_is_head:
            size = max(size, 2)
        postal, address = self.address()
        head_sex = rng.choice("12")
        if size == 1 and rng.random() < 0.002:
            head_sex = "9"
        since_years = rng.randint(0, 8) if foreign else rng.randint(0, min(head_age, 40))
        since = self.today - timedelta(days=since_years * 365 + rng.randrange(365))
        members: list[tuple[str, str, int, tuple[str, str]]] = [
            ("世帯主", head_sex, head_age, surname)
        ]
        for index in range(1, size):
            if index == 1 and (rng.random() < 0.85 or not payer_is_head):
                sex = "2" if head_sex == "1" else "1"
                age = max(20, head_age + rng.randint(-6, 6))
                members.append(("妻" if sex == "2" else "夫", sex, age, surname))
            elif head_age >= 25 and not (foreign and head_age < 30):
                age = max(0, head_age - rng.randint(24, 38))
                relation = "孫" if head_age >= 65 and index >= 2 else "子"
                members.append((relation, rng.choice("12"), age, surname))
            else:
                # Students and young workers share flats: unrelated members.
                age = max(18, head_age + rng.randint(-3, 3))
                members.append(("同居人", rng.choice("12"), age, self.surname(foreign)))
        payer_index = 0 if payer_is_head else 1
        mailing = ("", "")
        if rng.random() < 0.03:
            place, mailing_postal = rng.choice(data.MAILING_PLACES)
            mailing = (mailing_postal, f"{place}{rng.randint(1, 5)}-{rng.randint(1, 20)}")
        payer: Payer | None = None
        names: set[str] = set()
        for index, (relation, sex, age, family) in enumerate(members):
            is_payer = index == payer_index
            name, kana = self.name(family, sex, foreign)
            for _retry in range(5):  # parents do not give two children one name
                if name not in names:
                    break
                name, kana = self.name(family, sex, foreign)
            names.add(name)
            resident_no = f"2{household_no:09d}{index + 1:02d}"
            flags = ["0", "0", "0", "", ""]  # not_resident, public_notice, caution, note, died
            if is_payer:
                payer = Payer(resident_no=resident_no, kana=kana, age=age, household_size=size)
                roll = rng.random()
                if roll < 0.015:
                    flags[0] = "1"
                elif roll < 0.023:
                    flags[1] = "1"
                elif roll < 0.033:
                    flags[2], flags[3] = "1", rng.choice(data.CAUTION_NOTES)
                elif roll < 0.043 and age >= 60:
                    died = self.asof - timedelta(days=rng.randint(10, 700))
                    flags[4] = died.isoformat()
            occupation = ""
            if age >= 18:
                occupation = OCCUPATIONS.pick(rng)
                if age >= 65 and occupation in ("学生", "アルバイト", "派遣社員"):
                    occupation = "年金生活"
            elif age >= 6:
                occupation = "学生"
            born = self.birth_date(age)
            self.persons.append(
                (
                    resident_no,
                    f"{7_000_000 + household_no}",
                    "1" if index == 0 else "0",
                    relation,
                    self.safe(name),
                    self.kana_form(kana),
                    sex,
                    born.isoformat(),
                    foreign["nationality"] if foreign else "日本",
                    postal,
                    address,
                    max(since, born).isoformat(),
                    *mailing,
                    *self.phones(payer=is_payer, adult=age >= 18),
                    *flags,
                    occupation,
                )
            )
        assert payer is not None
        return payer

    # -- levies -------------------------------------------------------------------------

    def latest_fiscal_year(self, levy: str) -> int:
        """The newest year whose notices have gone out."""
        fy = self.fiscal_year
        first_due = levy_schedule(levy, fy)[0][1]
        return fy if notice_date(levy, fy, first_due, full_year=True) <= self.asof else fy - 1

    def notice_no(self, levy: str, fiscal_year: int) -> str:
        letter, start = NOTICE_PREFIX[levy]
        key = (levy, fiscal_year)
        number = self.notice_counters.get(key, start)
        self.notice_counters[key] = number + 1
        return f"{letter}{fiscal_year % 100:02d}-{number:06d}"

    def split(self, levy: str, annual: int, periods: int) -> list[int]:
        """Period amounts as notices print them: whole thousands (resident tax) or
        hundreds (NHI) per period, the remainder added to the first period."""
        unit = 1000 if levy == "RT" else 100
        base = (annual // periods) // unit * unit
        return [annual - base * (periods - 1)] + [base] * (periods - 1)

    def account_for(self, payer: Payer, levy: str, latest: int) -> tuple | None:
        rng = self.rng
        if rng.random() >= 0.10:
            return None
        bank = rng.choice(data.BANKS)
        start = date(rng.randint(latest - 6, latest), rng.choice((4, 4, 5, 6, 7, 10)), 1)
        start = min(start, self.asof)
        end = ""
        if rng.random() < 0.05:
            end_day = start + timedelta(days=rng.randint(200, 1500))
            end = end_day.isoformat() if end_day < self.asof else ""
        row = (
            payer.resident_no,
            levy,
            bank,
            f"{rng.randint(1, 899):03d}",
            "当座" if rng.random() < 0.05 else "普通",
            f"{rng.randint(1, 9_999_999):07d}",
            jaconv.z2h(payer.kana, kana=True, ascii=False, digit=False),
            start.isoformat(),
            end,
        )
        self.accounts.append(row)
        return (start, date.fromisoformat(end) if end else None)

    def levy_for(self, payer: Payer, levy: str, *, insured: int = 1) -> None:
        """Writes one payer's notices, bills and payments of one levy."""
        rng = self.rng
        latest = self.latest_fiscal_year(levy)
        # early: only the newest one or two periods are unpaid (the center's main
        # target); mid: a longer run; old: arrears of earlier years; paid_up: settled
        # after the demand notice.
        profile = PROFILES.pick(rng)
        if profile == "old":
            years = list(range(max(latest - rng.randint(1, 3), self.fiscal_year - 4), latest + 1))
        elif profile == "mid" and rng.random() < 0.3:
            years = [latest - 1, latest]
        else:
            years = [latest]
        # Early in the fiscal year the newest notice has nothing past due yet: the
        # arrears the ward sends are then last year's.
        if levy_schedule(levy, latest)[0][1] >= self.today and years[0] == latest:
            years.insert(0, latest - 1)
        debit = self.account_for(payer, levy, latest)
        bills = self.notices(payer, levy, years, insured=insured)
        unpaid = self.unpaid_bills(profile, bills, latest)
        self.settle(payer, levy, bills, unpaid, profile=profile, debit=debit)

    def notices(self, payer: Payer, levy: str, years: list[int], *, insured: int) -> list[tuple]:
        """Assessment rows; returns their bills as (fy, notice_no, period, amount, due,
        notice_issued_on)."""
        rng = self.rng
        plate = vehicle_kind = ""
        if levy == "RT":
            base = min(600_000, max(20_000, int(rng.lognormvariate(11.4, 0.6)) // 100 * 100))
        elif levy == "NH":
            median = 55_000 + 25_000 * (insured - 1)
            base = min(500_000, max(10_000, int(median * rng.lognormvariate(0, 0.45))))
        else:
            kind = LV_KINDS.pick(rng)
            base, vehicle_kind = kind[0], kind[1]
            plate = (
                f"練馬 {kind[2]} {rng.choice(kind[3])} "
                f"{rng.randint(1, 99):>2}-{rng.randint(0, 99):02d}"
            )
        bills: list[tuple] = []
        for fy in years:
            whole = levy_schedule(levy, fy)
            schedule = whole
            # Notices with fewer periods: moving in mid-year, or resident tax that
            # switches from payroll deduction to paying oneself.
            if levy != "LV" and rng.random() < (0.08 if levy == "NH" else 0.04):
                candidate = whole[rng.randint(2, len(whole)) - 1 :]
                if notice_date(levy, fy, candidate[0][1], full_year=False) <= self.asof:
                    schedule = candidate
            full = len(schedule) == len(whole)
            issued = notice_date(levy, fy, schedule[0][1], full_year=full)
            annual = base
            if levy != "LV":
                annual = int(base * rng.uniform(0.9, 1.1)) // 100 * 100
                if not full:
                    annual = annual * len(schedule) // len(whole) // 100 * 100
                    annual = max(100 * len(schedule), annual)
            notice_no = self.notice_no(levy, fy)
            self.assessments.append(
                (
                    levy,
                    fy,
                    notice_no,
                    payer.resident_no,
                    annual,
                    issued.isoformat(),
                    plate,
                    vehicle_kind,
                    insured if levy == "NH" else "",
                )
            )
            amounts = self.split(levy, annual, len(schedule))
            for (period, due), amount in zip(schedule, amounts, strict=True):
                bills.append((fy, notice_no, period, amount, due, issued))
        return bills

    def unpaid_bills(self, profile: str, bills: list[tuple], latest: int) -> set[int]:
        """Indexes of the past-due bills left (wholly or partly) unpaid."""
        rng = self.rng
        past = [i for i, bill in enumerate(bills) if bill[4] < self.today]
        unpaid: set[int] = set()
        if profile == "early":
            unpaid = set(past[-rng.choice((1, 1, 1, 2)) :])
        elif profile == "mid":
            unpaid = set(past[-rng.randint(min(2, len(past)), len(past)) :])
        elif profile == "old":
            for i in past:
                if bills[i][0] < latest and rng.random() < 0.75:
                    unpaid.add(i)
            latest_past = [i for i in past if bills[i][0] == latest]
            # Some keep up with this year's bills and owe only older years.
            if latest_past and rng.random() < 0.7:
                unpaid.update(latest_past[rng.randrange(len(latest_past)) :])
            if not unpaid:
                unpaid.add(past[-1])
        if profile != "paid_up" and len(past) > 2 and rng.random() < 0.05:
            unpaid.add(rng.choice(past[:-1]))  # a period missed in the middle
        return unpaid

    def settle(self, payer: Payer, levy: str, bills: list[tuple], unpaid: set[int], *,
               profile: str, debit: tuple | None) -> None:  # fmt: skip
        """Payments, paid amounts and demand notices of one payer's bills."""
        rng = self.rng
        asof = self.asof
        partial_first = rng.random() < 0.2
        first_unpaid = min(unpaid) if unpaid else None
        last_past = max((i for i, b in enumerate(bills) if b[4] < self.today), default=None)
        for i, (fy, notice_no, period, amount, due, issued) in enumerate(bills):
            paid = 0
            paid_dates: list[date] = []
            if due >= self.today:
                pass  # not yet due
            elif i in unpaid:
                if partial_first and i == first_unpaid and amount >= 2000:
                    part = amount * rng.randint(1, 9) // 10 // 100 * 100
                    paid_on = self.day_between(min(due + ONE_DAY, asof), asof)
                    paid += self.pay(levy, fy, notice_no, period, part, paid_on, None)
                    paid_dates.append(paid_on)
            elif debit and debit[0] <= due and (debit[1] is None or debit[1] >= due):
                paid += self.pay(levy, fy, notice_no, period, amount, due, "debit")
                paid_dates.append(due)
            else:
                late = (profile == "paid_up" and i == last_past) or rng.random() < 0.12
                if late and due + ONE_DAY <= asof:
                    paid_on = self.day_between(due + ONE_DAY, min(due + timedelta(90), asof))
                else:
                    earliest = max(issued + timedelta(days=3), due - timedelta(days=25))
                    paid_on = self.day_between(earliest, due)
                if amount >= 20_000 and rng.random() < 0.04:
                    first = amount // 2 // 100 * 100
                    paid += self.pay(levy, fy, notice_no, period, first, paid_on, None)
                    paid += self.pay(levy, fy, notice_no, period, amount - first, paid_on, None)
                else:
                    paid += self.pay(levy, fy, notice_no, period, amount, paid_on, None)
                paid_dates.append(paid_on)
            demand = late_charge = ""
            if due < self.today:
                sent = demand_date(due)
                if sent <= asof and (paid < amount or max(paid_dates) > sent):
                    demand = sent.isoformat()
                    if paid == amount:
                        late_charge = self.late_charge(amount, due, max(paid_dates))
                if paid < amount:
                    payer.balance += amount - paid
                    if payer.earliest_unpaid is None or due < payer.earliest_unpaid:
                        payer.earliest_unpaid = due
            self.bills.append((levy, fy, notice_no, period, amount, due, paid, demand, late_charge))

    def pay(self, levy: str, fy: int, notice_no: str, period: int, amount: int,
            paid_on: date, method: str | None) -> int:  # fmt: skip
        rng = self.rng
        if method is None:
            method = PAYMENT_METHODS.pick(rng)
        low, high = RECORDING_LAG[method]
        recorded = next_business_day(paid_on + timedelta(days=rng.randint(low, high)))
        self.payment_seq += 1
        self.payments.append(
            (
                f"X{self.payment_seq:08d}",
                levy,
                fy,
                notice_no,
                period,
                amount,
                paid_on,
                min(recorded, self.asof),
                method,
            )
        )
        return amount

    @staticmethod
    def late_charge(amount: int, due: date, paid_on: date) -> str:
        """延滞金 on a bill paid after its demand: the reduced rate for the first month
        and the full rate after (2025 rates, 2.4% and 8.7%), on the tax rounded down to
        1,000 yen; the charge is rounded down to 100 yen and not levied below 1,000."""
        days = (paid_on - due).days
        base = amount // 1000 * 1000
        charge = base * (min(days, 30) * 0.024 + max(days - 30, 0) * 0.087) / 365
        charge = int(charge) // 100 * 100
        return str(charge) if charge >= 1000 else ""

    # -- case records -------------------------------------------------------------------

    def case_records(self, payers: list[Payer]) -> None:
        rng = self.rng
        asof = self.asof
        for payer in payers:
            start = payer.earliest_unpaid
            if start is None:
                continue
            if rng.random() < 0.10:
                self.history_for(payer, start)
            if rng.random() < 0.03:
                agreed = self.day_between(start + timedelta(days=20), asof)
                status = PLAN_STATUSES.pick(rng)
                monthly = max(3000, payer.balance // rng.randint(6, 24) // 1000 * 1000)
                next_due = ""
                if status == "active":
                    month = asof.month % 12 + 1
                    year = asof.year + (asof.month == 12)
                    next_due = next_business_day(_month_end(year, month)).isoformat()
                note = rng.choice(data.PLAN_NOTES[status]).format(day=rng.choice((10, 25, 27)))
                self.plans.append(
                    (
                        f"PL{len(self.plans) + 1:06d}",
                        payer.resident_no,
                        agreed.isoformat(),
                        status,
                        monthly,
                        next_due,
                        note,
                    )
                )
            if rng.random() < 0.02:
                kind = MEASURE_KINDS.pick(rng)
                begin = self.day_between(start + timedelta(days=40), asof)
                end = ""
                if rng.random() < 0.3:
                    end_day = begin + timedelta(days=rng.randint(180, 365))
                    end = end_day.isoformat() if end_day <= asof else ""
                self.measures.append(
                    (
                        f"MS{len(self.measures) + 1:06d}",
                        payer.resident_no,
                        kind,
                        begin.isoformat(),
                        end,
                        rng.choice(data.MEASURE_NOTES[kind]),
                    )
                )

    def day_between(self, first: date, last: date) -> date:
        """A random day in [first, last], or `last` when the range is empty."""
        if first >= last:
            return last
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def history_for(self, payer: Payer, start: date) -> None:
        rng = self.rng
        first = start + timedelta(days=20)
        if first > self.asof:
            return
        span = (self.asof - first).days
        days = sorted(rng.randint(0, span) for _ in range(rng.randint(1, 4)))
        for offset in days:
            day = next_business_day(first + timedelta(days=offset))
            if day > self.asof:
                day = previous_business_day(self.asof)
            channel, template = rng.choice(data.HISTORY_TEMPLATES)
            summary = template.format(
                month=day.month % 12 + 1,
                amount=f"{rng.choice((3000, 5000, 10000, 20000)):,}",
                family=rng.choice(("妻", "夫", "母", "父", "子")),
            )
            if rng.random() < 0.1:
                at = day.isoformat()
            else:
                at = f"{day.isoformat()} {rng.randint(9, 18):02d}:{rng.randrange(60):02d}"
            self.history.append(
                (f"W{len(self.history) + 1:07d}", payer.resident_no, at, channel, summary)
            )

    # -- the whole package ----------------------------------------------------------------

    def run(self) -> None:
        rng = self.rng
        scale = self.scale
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
                payer = self.household(number, head_age=age, payer_is_head=True,
                                       foreign_share=0.15)  # fmt: skip
                nh.append(payer)
            else:
                age = int(rng.triangular(22, 80, 42)) if kind == "RT" else rng.randint(20, 80)
                payer = self.household(
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
                    self.levy_for(payer, levy, insured=count)
        self.case_records(payers)


_CP932_TABLE = {ord(k): v for k, v in data.CP932_REPLACEMENTS.items()}
_CP932_TABLE.update({cp: None for cp in range(0xFE00, 0xFE10)})
_CP932_TABLE.update({cp: None for cp in range(0xE0100, 0xE01F0)})


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
    generator = _Generator(scale=scale, seed=seed, encoding=encoding, today=today)
    generator.run()
    tables = {
        "persons.csv": generator.persons,
        "assessments.csv": generator.assessments,
        "bills.csv": generator.bills,
        "payments.csv": generator.payments,
        "plans.csv": generator.plans,
        "measures.csv": generator.measures,
        "history.csv": generator.history,
        "accounts.csv": generator.accounts,
    }
    files = {}
    for name, rows in tables.items():
        files[name] = csv_bytes(HEADERS[name], rows, encoding=encoding)
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
