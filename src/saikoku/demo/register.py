"""The resident register part of the synthetic package: households and persons.

Faker is slow, so it only fills small pools of names up front; the rows are drawn
from those pools with the shared random stream.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

import jaconv
from faker import Faker

from saikoku.demo import data
from saikoku.demo.common import Part, Weighted
from saikoku.interchange.spec import PERSONS, PHONE_SLOTS

PHONE_STYLES = Weighted(range(8), (55, 15, 7, 3, 7, 5, 3, 5))
MOBILE_AREAS = Weighted(("090", "080", "070"), (5, 4, 2))
PHONE_KINDS = Weighted(("mobile", "landline", "ip"), (76, 21, 3))
FLOORS = Weighted((1, 2, 3, 4, 5, 6, 8, 12), (6, 6, 5, 4, 3, 2, 1, 1))
SIZES_YOUNG = Weighted((1, 2, 3, 4), (75, 15, 7, 3))
SIZES_MIDDLE = Weighted((1, 2, 3, 4, 5), (35, 25, 20, 15, 5))
SIZES_OLD = Weighted((1, 2, 3), (50, 45, 5))
TOWNS = Weighted(data.TOWNS, [t[3] for t in data.TOWNS])
FOREIGN = Weighted(data.FOREIGN, [f["weight"] for f in data.FOREIGN])
OCCUPATIONS = Weighted([o for o, _ in data.OCCUPATIONS], [w for _, w in data.OCCUPATIONS])

_CP932_TABLE = {ord(k): v for k, v in data.CP932_REPLACEMENTS.items()}
_CP932_TABLE.update({cp: None for cp in range(0xFE00, 0xFE10)})
_CP932_TABLE.update({cp: None for cp in range(0xE0100, 0xE01F0)})


@dataclass(slots=True)
class Payer:
    resident_no: str
    kana: str
    age: int
    household_size: int
    levies: list[str] = field(default_factory=list)
    earliest_unpaid: date | None = None
    balance: int = 0


class Pools:
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


class Register(Part):
    def __init__(self, *, rng: random.Random, today: date, seed: int, cp932: bool) -> None:
        super().__init__(rng=rng, today=today)
        fake = Faker("ja_JP")
        fake.seed_instance(seed)
        self.pools = Pools(fake, rng)
        self.cp932 = cp932
        self.persons: list[tuple] = []  # PERSONS.row(...)

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
        """The numbers of phone slots 1, 2, … (none for most household members)."""
        rng = self.rng
        if not adult or rng.random() > (0.85 if payer else 0.25):
            return []
        kind = PHONE_KINDS.pick(rng)
        numbers = [self.phone(kind)]
        if payer and rng.random() < 0.28:
            numbers.append(self.phone("landline" if kind == "mobile" else "mobile"))
            if rng.random() < 0.15:
                numbers.append(self.phone("mobile"))
        return numbers

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
        mailing: dict[str, str] = {}
        if rng.random() < 0.03:
            place, mailing_postal = rng.choice(data.MAILING_PLACES)
            mailing = {
                "mailing_postal_code": mailing_postal,
                "mailing_address": f"{place}{rng.randint(1, 5)}-{rng.randint(1, 20)}",
            }
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
            flags = {"not_resident": "0", "public_notice": "0", "caution": "0"}
            if is_payer:
                payer = Payer(resident_no=resident_no, kana=kana, age=age, household_size=size)
                roll = rng.random()
                if roll < 0.015:
                    flags["not_resident"] = "1"
                elif roll < 0.023:
                    flags["public_notice"] = "1"
                elif roll < 0.033:
                    flags["caution"] = "1"
                    flags["caution_note"] = rng.choice(data.CAUTION_NOTES)
                elif roll < 0.043 and age >= 60:
                    died = self.asof - timedelta(days=rng.randint(10, 700))
                    flags["deceased_on"] = died.isoformat()
            occupation = ""
            if age >= 18:
                occupation = OCCUPATIONS.pick(rng)
                if age >= 65 and occupation in ("学生", "アルバイト", "派遣社員"):
                    occupation = "年金生活"
            elif age >= 6:
                occupation = "学生"
            born = self.birth_date(age)
            name_kana = self.kana_form(kana)  # drawn before the phones: same stream, same package
            phones = self.phones(payer=is_payer, adult=age >= 18)
            self.persons.append(
                PERSONS.row(
                    resident_no=resident_no,
                    household_no=f"{7_000_000 + household_no}",
                    is_householder="1" if index == 0 else "0",
                    relationship=relation,
                    name=self.safe(name),
                    name_kana=name_kana,
                    sex=sex,
                    birth_date=born.isoformat(),
                    nationality=foreign["nationality"] if foreign else "日本",
                    postal_code=postal,
                    address=address,
                    resident_since=max(since, born).isoformat(),
                    **mailing,
                    **dict(zip(PHONE_SLOTS, phones, strict=False)),
                    **flags,
                    occupation=occupation,
                )
            )
        assert payer is not None
        return payer
