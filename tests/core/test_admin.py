"""User management and the custody ledger through the admin: ward_admin only."""

import pytest
from django.urls import reverse

from saikoku.core.models import AuditEntry, User
from saikoku.privacy.models import CustodyLedgerEntry
from saikoku.privacy.services import custody_record
from support.personas import verified_client


@pytest.fixture
def staff_admin(ward_admin):
    ward_admin.is_staff = True
    ward_admin.save(update_fields=["is_staff"])
    return ward_admin


@pytest.mark.django_db
def test_ward_admin_creates_a_user_with_role_and_the_change_is_audited(client, staff_admin):
    verified_client(staff_admin, client)
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "newop",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
            "role": "operator",
            "department": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newop")
    assert user.role == "operator"
    entry = AuditEntry.objects.get(action="user_create")
    assert entry.object_id == "newop"
    assert entry.username == staff_admin.username


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "supervisor", "auditor"])
def test_other_roles_cannot_manage_users_even_with_the_staff_flag(client, role):
    user = User.objects.create_user(username="x", password="pw", role=role, is_staff=True)
    verified_client(user, client)
    assert client.get(reverse("admin:core_user_changelist")).status_code == 403


@pytest.mark.django_db
def test_users_are_deactivated_not_deleted(client, staff_admin, operator):
    verified_client(staff_admin, client)
    response = client.get(reverse("admin:core_user_delete", args=[operator.pk]))
    assert response.status_code == 403


@pytest.mark.django_db
def test_custody_ledger_is_readable_and_never_editable(client, staff_admin):
    entry = custody_record(
        direction="received",
        actor=None,
        handler="system",
        package_id="P-1",
        content="受領",
        files=[{"name": "persons.csv", "rows": 3, "sha256": "ab"}],
        sha256="cd",
    )
    verified_client(staff_admin, client)
    listing = client.get(reverse("admin:privacy_custodyledgerentry_changelist"))
    assert listing.status_code == 200
    assert "P-1" in listing.content.decode()
    change = client.post(
        reverse("admin:privacy_custodyledgerentry_change", args=[entry.pk]),
        {"package_id": "forged"},
    )
    assert change.status_code == 403
    assert CustodyLedgerEntry.objects.get().package_id == "P-1"


@pytest.mark.django_db
def test_the_admin_index_names_its_sections_in_japanese(client, staff_admin):
    verified_client(staff_admin, client)
    html = client.get(reverse("admin:index")).content.decode()
    assert "利用者・権限・監査" in html
    for label in ("Core", "Arrears", "Outreach", "Privacy", "Interchange"):
        assert f">{label}<" not in html
