"""Only a ward_admin may see or enter late-charge rates in the admin."""

from __future__ import annotations

import pytest

from saikoku.arrears.models import LateChargeRate
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


@pytest.mark.parametrize("persona", ["operator", "supervisor", "ward_staff_tax", "auditor"])
def test_other_roles_cannot_see_the_rates_even_as_staff(client, request, persona):
    user = _staff(request.getfixturevalue(persona))
    verified_client(user, client)
    assert client.get(ADD_URL).status_code == 403
    assert client.get("/admin/arrears/latechargerate/").status_code == 403
