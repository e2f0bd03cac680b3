"""Fixtures of the inbound tests: the small ward of support.inbound_ward, an operator
at extension 201."""

from __future__ import annotations

import pytest

from support.inbound_ward import build_inbound_ward


@pytest.fixture
def inbound_ward(db, tmp_path, settings) -> dict[str, int]:
    return build_inbound_ward(tmp_path, settings)


@pytest.fixture
def operator_201(operator):
    operator.extension = "201"
    operator.save(update_fields=["extension"])
    return operator
