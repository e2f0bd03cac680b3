"""The console's late-charge rate page (/rates/): a ward_admin lists the known rates and
registers a new year's, audited; errors in Japanese next to the field; once the rate is
in, the payer page's figure for that year is no longer an estimate."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from saikoku.arrears.models import LateChargeRate
from saikoku.core.audit import verify_chain
from saikoku.core.models import AuditEntry
from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.owed_package import NAKAMURA, build_owed_package
from support.personas import verified_client

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
URL = "/rates/"
DECEMBER = datetime.datetime(2026, 12, 10, 10, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _in_december():
    # The shipped table ends with 2026; 2027's rate is published this month.
    with time_machine.travel(DECEMBER, tick=False):
        yield


def post(client, **fields):
    data = {"year": "2027", "lower_percent": "2.9", "higher_percent": "9.2", "source": "告示"}
    data.update(fields)
    return client.post(URL, data)


def error_of(html: str, field: str) -> str:
    match = re.search(rf'<p id="{field}-error" class="field-error" role="alert">(.*?)</p>', html)
    assert match, f"no error next to {field}"
    return match.group(1)


def test_the_url_is_named():
    assert reverse("late_charge_rates") == URL


def test_ward_admin_sees_every_known_rate_newest_first(client, ward_admin):
    verified_client(ward_admin, client)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    years = re.findall(r'<tr data-year="(\d+)">', html)
    assert years[0] == "2026" and years[-1] == "2000" and len(years) == 27
    assert "2027年以降の日を含む延滞金は、2026年の割合による見込みで計算しています" in html
    assert 'name="year" value="2027"' in html  # the next year is offered
    assert 'aria-current="page">延滞金の割合<' in html  # in the navigation


@pytest.mark.parametrize(
    "persona", ["operator", "supervisor", "ward_staff_tax", "ward_staff_nhi", "auditor", "outsider"]
)
def test_other_roles_are_refused(client, request, persona):
    verified_client(request.getfixturevalue(persona), client)
    assert client.get(URL).status_code == 403
    assert post(client).status_code == 403
    assert not LateChargeRate.objects.exists()
    assert f'href="{URL}"' not in client.get(reverse("home"), follow=True).content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_registering_a_year_is_audited_and_listed_with_who_and_when(client, ward_admin):
    verified_client(ward_admin, client)
    response = post(client, source="令和8年11月 財務省告示 平均貸付割合0.9%")
    assert response.status_code == 302 and response["Location"] == URL
    rate = LateChargeRate.objects.get(year=2027)
    assert (str(rate.lower_percent), str(rate.higher_percent)) == ("2.9", "9.2")
    assert rate.created_by == ward_admin
    entry = AuditEntry.objects.get(action="late_charge_rate_register")
    assert (entry.username, entry.object_id) == ("admin1", "2027")
    assert entry.detail["higher_percent"] == "9.2"
    assert verify_chain().ok

    html = client.get(URL).content.decode()
    assert "2027年の延滞金の割合を登録しました。" in html
    row = html[html.index('<tr data-year="2027">') :]
    row = row[: row.index("</tr>")]
    assert "2.9%" in row and "9.2%" in row and "平均貸付割合0.9%" in row
    assert "admin1" in row and "令和8年12月10日 (2026)" in row and "10:00" in row
    assert "見込みで計算しています" not in html


def test_the_audit_log_names_the_action(client, ward_admin):
    verified_client(ward_admin, client)
    post(client)
    html = client.get(reverse("audit_log")).content.decode()
    assert "延滞金の割合の登録" in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"year": ""}, "year", "年を西暦で入力してください"),
        ({"year": "令和9"}, "year", "年は西暦の数字で入力してください"),
        ({"year": "2028"}, "year", "年は2000〜2027の西暦で入力してください。"),
        ({"year": "1999"}, "year", "年は2000〜2027の西暦で入力してください。"),
        ({"year": "99999999999999999999"}, "year", "年は2000〜2027の西暦で入力してください。"),
        ({"lower_percent": "abc"}, "lower_percent", "割合は数字で入力してください"),
        ({"lower_percent": "2.85"}, "lower_percent", "小数第1位まで"),
        ({"lower_percent": "7.4"}, "lower_percent", "割合は0.1〜7.3の範囲で入力してください"),
        ({"lower_percent": "-1"}, "lower_percent", "割合は0.1〜7.3の範囲で入力してください"),
        ({"higher_percent": "14.7"}, "higher_percent", "割合は0.1〜14.6の範囲で入力してください"),
        ({"higher_percent": "1" * 10_000}, "higher_percent", "割合は"),
        ({"higher_percent": "2.0"}, "higher_percent", "経過後の割合は1月（3月）以内の割合以上"),
        ({"source": ""}, "source", "根拠を入力してください"),
        ({"source": "あ" * 501}, "source", "根拠は500文字以内で入力してください。"),
    ],
)
def test_wrong_input_is_explained_next_to_the_field(client, ward_admin, fields, field, message):
    verified_client(ward_admin, client)
    response = post(client, **fields)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in error_of(html, field)
    assert f'aria-describedby="{field}-error"' in html
    assert re.search(rf'name="{field}"[^>]* autofocus', html)  # the field to fix has focus
    assert not LateChargeRate.objects.exists()
    assert not AuditEntry.objects.filter(action="late_charge_rate_register").exists()


def test_a_year_registered_already_is_refused(client, ward_admin):
    verified_client(ward_admin, client)
    post(client)
    response = post(client, higher_percent="9.9")
    assert response.status_code == 400
    assert "2027年の割合はすでに登録されています。" in error_of(response.content.decode(), "year")
    assert str(LateChargeRate.objects.get(year=2027).higher_percent) == "9.2"


def test_the_page_in_english(client, ward_admin):
    verified_client(ward_admin, client)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    html = post(client, year="").content.decode()
    assert "Late-charge rate" in html
    assert "Enter the year in the western calendar" in error_of(html, "year")


def test_the_payer_page_estimate_ends_when_the_rate_is_registered(client, ward_admin, tmp_path):
    result = package_import(
        path=build_owed_package(tmp_path / "owed.zip"), password=None, handler="test"
    )
    assert result.status == "imported", result.problems
    payer = Resident.objects.get(resident_no=NAKAMURA)
    verified_client(ward_admin, client)
    url = reverse("payer", args=[payer.pk])

    before = client.get(url, {"on": "R9.1.15"}).content.decode()
    assert "延滞金は見込みです" in before and "data-estimated" in before
    assert f'href="{URL}"' in before  # the ward_admin is offered the rate page

    post(client, lower_percent="2.8", higher_percent="9.1")
    after = client.get(url, {"on": "R9.1.15"}).content.decode()
    assert "延滞金は見込みです" not in after and "data-estimated" not in after

    def total(html: str) -> str:
        return re.search(r"data-owed-total>(¥[\d,]+)<", html).group(1)

    assert total(before) == total(after)  # the same rate: only the mark goes
