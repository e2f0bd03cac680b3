"""How many synchronous standbys a primary waits for, read from
synchronous_standby_names as PostgreSQL reads it (web/health.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saikoku.web.health import synchronous_standbys_required


@pytest.mark.parametrize(
    "names,required",
    [
        ("", 0),
        ("  ", 0),
        ("standby1", 1),
        ("*", 1),
        ("s1, s2", 1),
        ("FIRST 2 (s1, s2, s3)", 2),
        ("first 1 (s1)", 1),
        ("ANY 2 (s1, s2, s3)", 2),
        ("3 (s1, s2, s3)", 3),
    ],
)
def test_the_synchronous_standbys_a_primary_waits_for(names, required):
    assert synchronous_standbys_required(names) == required


NAME = st.sampled_from(["standby1", "s2", "tokyo_b", "dr_site", "node_3"])


@given(
    method=st.sampled_from(["FIRST ", "ANY ", "first ", "any ", ""]),
    num=st.integers(min_value=1, max_value=9),
    names=st.lists(NAME, min_size=1, max_size=5),
)
def test_a_numbered_list_waits_for_its_number(method, num, names):
    assert synchronous_standbys_required(f"{method}{num} ({', '.join(names)})") == num


@given(names=st.lists(NAME, min_size=1, max_size=5))
def test_a_plain_list_waits_for_one(names):
    assert synchronous_standbys_required(", ".join(names)) == 1
