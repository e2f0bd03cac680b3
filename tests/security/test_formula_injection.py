"""Spreadsheet formula injection: text a user entered never becomes a formula in an
export the ward opens in Excel. Every cell of every file of the results package (CSV)
and of the handler list (xlsx) that starts with = + - @ (or a tab or carriage return,
which Excel skips before them) is neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import pyzipper
from django.urls import reverse

from saikoku.core.handlers import handler_create
from saikoku.interchange.services import package_import
from saikoku.outreach.results.services import results_export
from saikoku.people.models import Resident
from support.calls import record_contact
from support.personas import verified_client
from support.results_package import YAMAMOTO, build_full

pytestmark = [pytest.mark.django_db, pytest.mark.attack("formula injection")]

TOKYO = ZoneInfo("Asia/Tokyo")
FORMULAS = {
    "equals": '=HYPERLINK("http://example.invalid/","詳細")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
}
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _dangerous(text: str) -> bool:
    return text.startswith(DANGEROUS)


@pytest.mark.parametrize("kind", sorted(FORMULAS))
def test_the_results_package_neutralises_a_formula_in_a_note(tmp_path, operator, ward_admin, kind):
    assert package_import(path=build_full(tmp_path / "full.zip"), password=None, handler="t")
    payer = Resident.objects.get(resident_no=YAMAMOTO)
    record_contact(
        actor=operator, payer_id=payer.pk, outcome="contacted_payer",
        now=dt.datetime(2025, 11, 10, 10, 0, tzinfo=TOKYO), identity_verified=True,
        party="self", note=FORMULAS[kind],
    )  # fmt: skip
    result = results_export(actor=ward_admin, path=tmp_path / "out.zip")
    with pyzipper.AESZipFile(result.path) as archive:
        archive.setpassword(result.password.encode())
        files = {name: archive.read(name) for name in archive.namelist() if name.endswith(".csv")}
    assert files
    cells = [
        cell
        for data in files.values()
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        for cell in row
    ]
    assert [cell for cell in cells if _dangerous(cell)] == []
    assert any(FORMULAS[kind].strip() in cell for cell in cells)  # kept, as text


@pytest.mark.parametrize("kind", sorted(FORMULAS))
def test_the_handler_list_xlsx_neutralises_a_formula_in_a_name(ward_admin, kind):
    handler_create(
        actor=ward_admin,
        values={
            "username": f"formula-{kind}", "last_name": FORMULAS[kind],
            "first_name": FORMULAS[kind], "organisation": "contractor", "role": "operator",
            "department": "", "extension": FORMULAS[kind][:20], "valid_from": None,
            "valid_until": None,
        },
        password="a long enough passphrase for the test",
    )  # fmt: skip
    response = verified_client(ward_admin).get(reverse("handler_export"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [str(c.value) for c in cells if c.value is not None]
    assert [text for text in texts if _dangerous(text)] == []
    assert any(FORMULAS[kind].strip() in text for text in texts)
