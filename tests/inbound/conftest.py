"""Fixtures of the inbound tests: the small ward of support.inbound_ward, an operator
at extension 201, a hosted PBX that records the transfer requests it gets."""

from __future__ import annotations

import http.server
import threading

import pytest

from support.cti import Pbx
from support.inbound_ward import build_inbound_ward


@pytest.fixture
def inbound_ward(db, tmp_path, settings) -> dict[str, int]:
    return build_inbound_ward(tmp_path, settings)


@pytest.fixture
def operator_201(operator):
    operator.extension = "201"
    operator.save(update_fields=["extension"])
    return operator


@pytest.fixture
def pbx():
    server = http.server.HTTPServer(("127.0.0.1", 0), Pbx)
    Pbx.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
