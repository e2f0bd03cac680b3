"""The importer's cached phone parsing gives exactly core.phones.parse_phone's answer."""

from __future__ import annotations

import random

from saikoku.core.phones import parse_phone
from saikoku.interchange.phonecache import PhoneParser

PREFIXES = [
    "090",
    "080",
    "070",
    "050",
    "03",
    "06",
    "0120",
    "0570",
    "042",
    "0422",
    "04992",
    "011",
    "098",
    "020",
    "060",
    "00",
    "01",
]


def test_cached_parsing_agrees_with_parse_phone():
    rng = random.Random(7)
    parser = PhoneParser()
    numbers = []
    for prefix in PREFIXES:
        for length in (10, 11):
            for _ in range(40):
                digits = prefix + "".join(
                    rng.choice("0123456789") for _ in range(length - len(prefix))
                )
                numbers.append(digits)
                numbers.append(f"{digits[:3]}-{digits[3:7]}-{digits[7:]}")
    numbers += ["+81 90 1234 5678", "０９０（１２３４）５６７８", "12-34", "", "03(1234)5678"]
    for number in numbers * 2:  # the second round answers from the cache
        assert parser(number) == parse_phone(number), number
