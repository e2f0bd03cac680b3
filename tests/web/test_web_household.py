"""The payer page's household: members outside the user's scope (payers_visible_to) are
named by their relation only, e.g. tax staff see "夫", never the NH payer's name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.packages import assessment_row, bill_row, ward_package

WIFE = "110000000001"  # householder, resident tax only
HUSBAND = "110000000002"  # NH only


@pytest.fixture
def iwasaki(db, tmp_path) -> dict[str, int]:
    persons = [
        {
            "resident_no": WIFE, "household_no": "8100001", "is_householder": "1",
            "relationship": "世帯主", "name": "岩崎 美咲", "name_kana": "イワサキ ミサキ",
            "birth_date": "1982-02-02", "address": "東京都新宿区高田馬場一丁目1-1",
        },
        {
            "resident_no": HUSBAND, "household_no": "8100001", "is_householder": "0",
            "relationship": "夫", "name": "岩崎 裕樹", "name_kana": "イワサキ ユウキ",
            "birth_date": "1980-01-01", "address": "東京都新宿区高田馬場一丁目1-1",
        },
    ]  # fmt: skip
    path = ward_package(
        tmp_path / "household.zip",
        {
            "persons.csv": persons,
            "assessments.csv": [
                assessment_row("RT", 2025, "R25-100001", WIFE, 50000),
                assessment_row("NH", 2025, "N25-100002", HUSBAND, 40000, insured_count=1),
            ],
            "bills.csv": [
                bill_row("RT", 2025, "R25-100001", 1, 50000, "2025-06-30", 0),
                bill_row("NH", 2025, "N25-100002", 1, 40000, "2025-07-31", 0),
            ],
        },
        package_id="HOUSEHOLD-TEST",
    )
    assert package_import(path=path, password=None, handler="test").status == "imported"
    return dict(Resident.objects.values_list("resident_no", "id"))


def household_of(client, resident_id: int) -> str:
    response = client.get(reverse("payer", args=[resident_id]))
    assert response.status_code == 200
    html = response.content.decode()
    part = html[html.index('id="household-h"') :]
    return part[: part.index("</section>")]


def test_tax_staff_see_only_the_relation_of_an_nhi_payer_in_the_household(
    client_for, ward_staff_tax, iwasaki
):
    household = household_of(client_for(ward_staff_tax), iwasaki[WIFE])
    assert "岩崎 裕樹" not in household
    assert "<li data-member>夫</li>" in household
    assert reverse("payer", args=[iwasaki[HUSBAND]]) not in household


def test_nhi_staff_see_only_the_relation_of_a_tax_payer_in_the_household(
    client_for, ward_staff_nhi, iwasaki
):
    household = household_of(client_for(ward_staff_nhi), iwasaki[HUSBAND])
    assert "岩崎 美咲" not in household
    assert "<li data-member>世帯主</li>" in household


def test_a_member_the_user_may_open_is_named_with_a_link(client_for, ward_admin, iwasaki):
    household = household_of(client_for(ward_admin), iwasaki[WIFE])
    assert "岩崎 裕樹" in household
    assert reverse("payer", args=[iwasaki[HUSBAND]]) in household


def test_the_selector_gives_no_name_or_id_of_a_member_outside_the_scope(ward_staff_tax, iwasaki):
    from saikoku.arrears.selectors import payer_overview

    wife = Resident.objects.get(pk=iwasaki[WIFE])
    (member,) = payer_overview(ward_staff_tax, wife).members
    assert (member.name, member.name_kana, member.id) == ("", "", None)
    assert member.relationship == "夫" and not member.visible
