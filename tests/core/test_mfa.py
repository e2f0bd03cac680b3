"""The second factor: mandatory, once per code, one step of drift, throttled, secrets
encrypted at rest, recovery codes once, reset by a ward_admin."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from saikoku.core.mfa import (
    mfa_device_reset,
    recovery_codes_issue,
    secret_decrypt,
    totp_code,
    totp_device_enrolled,
)
from saikoku.core.models import AuditEntry, TOTPDevice
from support.personas import PASSWORD, client_login, make_user, next_code, verified_client

pytestmark = pytest.mark.django_db


def _password_step(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_secret_is_stored_encrypted_not_in_clear(operator):
    device = totp_device_enrolled(operator)
    stored = TOTPDevice.objects.values_list("encrypted_key", flat=True).get(pk=device.pk)
    secret = secret_decrypt(stored)
    assert len(secret) == 20
    assert secret.hex() not in stored and secret not in stored.encode()


@pytest.mark.parametrize(
    "url_name", ["search", "call_screen", "audit_log", "account_sessions", "handler_list"]
)
def test_typing_another_url_before_the_code_is_sent_to_the_code_page(ward_admin, url_name):
    client = _password_step(ward_admin)
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_verify")
    # An htmx request is told where to go instead of receiving a page.
    htmx = client.get(reverse(url_name), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("mfa_verify")


def test_the_admin_site_is_behind_the_second_factor_too(ward_admin):
    client = _password_step(ward_admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_verify")


def test_a_code_is_accepted_once_and_refused_the_second_time(operator):
    device = totp_device_enrolled(operator)
    with time_machine.travel(1_800_000_000, tick=False):
        code = totp_code(device)
        first = _password_step(operator)
        assert first.post(reverse("mfa_verify"), {"token": code}).status_code == 302
        second = _password_step(operator)
        refused = second.post(reverse("mfa_verify"), {"token": code})
        assert refused.status_code == 200
        # The user is told to wait for the next code, not that the code is wrong.
        assert "この確認コードは使用済みです" in refused.content.decode()
        assert "正しくありません" not in refused.content.decode()
        assert second.get(reverse("search")).status_code == 302
    assert AuditEntry.objects.filter(action="mfa_failed", username="op1").count() == 1


def test_a_clock_one_step_off_is_accepted_two_steps_are_not(operator):
    device = totp_device_enrolled(operator)
    now = 1_800_000_000
    with time_machine.travel(now, tick=False):
        ahead = totp_code(device, at=now + 30)
        assert device.verify_token(ahead)
        two_behind = totp_code(device, at=now - 60)
        assert not TOTPDevice.objects.get(pk=device.pk).verify_token(two_behind)


def test_a_wrong_code_is_called_wrong_not_used(operator):
    with time_machine.travel(1_800_000_000, tick=False):
        client = _password_step(operator)
        refused = client.post(reverse("mfa_verify"), {"token": "000000"}).content.decode()
    assert "確認コードが正しくありません" in refused and "使用済み" not in refused


def test_wrong_codes_are_throttled(operator):
    device = totp_device_enrolled(operator)
    with time_machine.travel(1_800_000_000, tick=False):
        client = _password_step(operator)
        client.post(reverse("mfa_verify"), {"token": "000000"})
        client.post(reverse("mfa_verify"), {"token": "000001"})
        # Even the right code waits out the back-off (a try within it counts nothing).
        response = client.post(reverse("mfa_verify"), {"token": totp_code(device)})
    assert "しばらく受け付けません" in response.content.decode()
    assert TOTPDevice.objects.get(pk=device.pk).throttling_failure_count == 1


def test_a_recovery_code_works_once(operator):
    codes = recovery_codes_issue(operator)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = _password_step(operator)
    assert client.post(reverse("mfa_verify"), {"token": codes[0]}).status_code == 302
    assert client.get(reverse("search")).status_code == 200
    again = _password_step(operator)
    refused = again.post(reverse("mfa_verify"), {"token": codes[0]})
    assert refused.status_code == 200
    assert StaticToken.objects.filter(device__user=operator).count() == 9
    assert AuditEntry.objects.filter(action="mfa_verified", detail__recovery_code=True).exists()


def test_completing_the_second_factor_gives_the_session_a_new_key(operator):
    client = _password_step(operator)
    before = client.cookies["sessionid"].value
    client.post(reverse("mfa_verify"), {"token": next_code(operator)})
    after = client.cookies["sessionid"].value
    assert before != after
    # The key seen before the second factor is worth nothing now.
    stale = Client()
    stale.cookies["sessionid"] = before
    assert stale.get(reverse("search")).status_code == 302


def test_first_login_enrols_with_a_qr_code_and_shows_ten_recovery_codes_once(db):
    newcomer = make_user("new1", "operator", enrolled=False)
    client = _password_step(newcomer)
    assert client.get(reverse("search"))["Location"] == reverse("mfa_enrol")
    page = client.get(reverse("mfa_enrol")).content.decode()
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]
    device = TOTPDevice.objects.get(user=newcomer, confirmed=False)
    wrong = client.post(reverse("mfa_enrol"), {"token": "123456"})
    assert "コードが一致しません" in wrong.content.decode()
    time.sleep(1.1)  # the back-off after one wrong code
    done = client.post(reverse("mfa_enrol"), {"token": totp_code(device)})
    assert done["Location"] == reverse("mfa_recovery_codes")
    shown = client.get(reverse("mfa_recovery_codes")).content.decode()
    assert shown.count("<li>") >= 10
    codes = list(StaticToken.objects.filter(device__user=newcomer).values_list("token", flat=True))
    assert len(codes) == 10 and all(code in shown for code in codes)
    # Once: a reload does not show them again.
    assert client.get(reverse("mfa_recovery_codes")).status_code == 302
    assert client.get(reverse("search")).status_code == 200
    assert AuditEntry.objects.filter(action="mfa_enrol", username="new1").exists()


def test_a_ward_admin_resets_a_device_and_the_user_enrols_again(ward_admin, operator):
    victim = verified_client(operator)
    admin = verified_client(ward_admin)
    response = admin.post(reverse("handler_device_reset", args=[operator.pk]))
    assert response.status_code == 302
    assert totp_device_enrolled(operator) is None
    # The lost phone's sessions end with it.
    assert victim.get(reverse("search")).status_code == 302
    entry = AuditEntry.objects.get(action="mfa_reset")
    assert entry.username == "admin1" and entry.object_id == "op1"
    client = _password_step(operator)
    assert client.get(reverse("mfa_verify"))["Location"] == reverse("mfa_enrol")


def test_only_a_ward_admin_resets_devices(supervisor, operator):
    client = verified_client(supervisor)
    assert client.post(reverse("handler_device_reset", args=[operator.pk])).status_code == 403
    assert totp_device_enrolled(operator) is not None


def test_the_reset_service_leaves_no_recovery_codes(ward_admin, operator):
    recovery_codes_issue(operator)
    mfa_device_reset(actor=ward_admin, user=operator)
    assert not StaticToken.objects.filter(device__user=operator).exists()


def test_the_real_login_lands_after_both_steps(operator):
    response = client_login(Client(), operator)
    assert response["Location"] == reverse("call_screen")


def test_secrets_are_re_encrypted_under_a_new_key_and_still_verify(settings, operator):
    from cryptography.fernet import Fernet

    from saikoku.core.mfa import rotate_secrets

    old = str(settings.SAIKOKU_OTP_KEY)
    new = Fernet.generate_key().decode()
    device = totp_device_enrolled(operator)
    code_before = totp_code(device)
    settings.SAIKOKU_OTP_KEY = f"{new},{old}"
    assert rotate_secrets() == TOTPDevice.objects.count()
    settings.SAIKOKU_OTP_KEY = new
    assert totp_code(TOTPDevice.objects.get(pk=device.pk)) == code_before
