"""Only a ward_admin may see or enter late-charge rates in the admin."""

from __future__ import annotations

import pytest

from saikoku.arrears.models import LateChargeRate
from saikoku.core.models import AuditEntry
from support.personas import verified_client

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/arrears/latechargerate/add/"


def _staff(user):
    # The admin site itself requires is_staff; the role decides what it shows.
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_ward_admin_enters_next_years_rate(client, ward_admin):
    verified_client(_staff(ward_admin), client)
    assert client.get(ADD_URL).status_code == 200
    response = client.post(
        ADD_URL,
        {
            "year": "2027",
            "lower_percent": "3.0",
            "higher_percent": "9.3",
            "source": "財務省告示 平均貸付割合",
        },
    )
    assert response.status_code == 302
    rate = LateChargeRate.objects.get(year=2027)
    assert rate.created_by == ward_admin
    entry = AuditEntry.objects.get(action="late_charge_rate_register")
    assert (entry.object_id, entry.detail["via"]) == ("2027", "admin")


def test_a_correction_or_removal_in_the_admin_is_audited(client, ward_admin):
    rate = LateChargeRate.objects.create(
        year=2027, lower_percent="3.0", higher_percent="9.3", source="告示"
    )
    verified_client(_staff(ward_admin), client)
    response = client.post(
        f"/admin/arrears/latechargerate/{rate.pk}/change/",
        {"year": "2027", "lower_percent": "2.9", "higher_percent": "9.2", "source": "訂正"},
    )
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action="late_charge_rate_change")
    assert changed.detail["higher_percent"] == "9.2"
    response = client.post(f"/admin/arrears/latechargerate/{rate.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not LateChargeRate.objects.exists()
    removed = AuditEntry.objects.filter(action="late_charge_rate_change").last()
    assert removed.detail["deleted"] is True


@pytest.mark.parametrize("persona", ["operator", "supervisor", "ward_staff_tax", "auditor"])
def test_other_roles_cannot_see_the_rates_even_as_staff(client, request, persona):
    user = _staff(request.getfixturevalue(persona))
    verified_client(user, client)
    assert client.get(ADD_URL).status_code == 403
    assert client.get("/admin/arrears/latechargerate/").status_code == 403
