"""Lockout (core/lockout.py, django-axes): per user and address, a per-address block on
top, unlock by a ward_admin or after the cool-off, the same answer and a similar time
for an unknown user, a wrong password and a locked account, all audited."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from saikoku.core.models import AuditEntry, UserSession
from support.personas import PASSWORD, client_login, make_user, verified_client

pytestmark = [pytest.mark.django_db, pytest.mark.attack("lockout")]

ATTACKER = "198.51.100.66"
DESK = "10.20.0.15"
GENERIC = "利用者IDまたはパスワードが正しくありません。"


def _post_login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def _fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        response = _post_login(client, username, "not-the-password")
        assert response.status_code == 200


def test_five_failures_lock_the_user_at_that_address_only(settings, operator):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "op1", settings.AXES_FAILURE_LIMIT)

    # The right password from the attacker's address: refused like a wrong one.
    refused = _post_login(attacker, "op1", PASSWORD)
    assert refused.status_code == 200
    assert GENERIC in refused.content.decode()
    assert "_auth_user_id" not in attacker.session

    # The operator at their own desk logs in as usual.
    desk = Client(REMOTE_ADDR=DESK)
    assert client_login(desk, operator).status_code == 302
    assert desk.get(reverse("call_screen")).status_code == 200


def test_the_lock_is_audited_once_and_ends_the_users_sessions(settings, operator):
    working = verified_client(operator)
    assert working.get(reverse("call_screen")).status_code == 200
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "op1", settings.AXES_FAILURE_LIMIT + 2)

    locks = AuditEntry.objects.filter(action="login_lockout")
    assert locks.count() == 1
    lock = locks.get()
    assert (lock.object_id, lock.client_addr) == ("op1", ATTACKER)
    assert lock.detail["sessions_ended"] == 1
    assert not UserSession.objects.filter(user=operator).exists()
    assert working.get(reverse("call_screen")).status_code == 302
    failures = AuditEntry.objects.filter(action="login_failed").order_by("seq")
    assert [e.detail["locked"] for e in failures] == [False] * 4 + [True] * 3


def test_an_address_failing_on_many_names_is_blocked_and_real_users_still_log_in(
    settings, operator, supervisor
):
    settings.SAIKOKU_LOCKOUT_ADDRESS_FAILURES = 12
    attacker = Client(REMOTE_ADDR=ATTACKER)
    names = [f"guess{i}" for i in range(12)]  # never the same name twice: no pair locks
    for name in names:
        _fail(attacker, name, 1)
    assert AuditEntry.objects.filter(action="login_address_blocked").count() == 1
    assert not AuditEntry.objects.filter(action="login_lockout").exists()

    # Blocked: even a right password of a real user is refused from there.
    assert GENERIC in _post_login(attacker, "sv1", PASSWORD).content.decode()
    assert "_auth_user_id" not in attacker.session

    # Every real user from their own address logs in.
    for user, address in ((operator, DESK), (supervisor, "10.20.0.16")):
        client = Client(REMOTE_ADDR=address)
        assert client_login(client, user).status_code == 302, user


def test_the_lock_ends_after_the_cool_off(settings, operator):
    t0 = dt.datetime(2025, 11, 5, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(t0, tick=False) as clock:
        attacker = Client(REMOTE_ADDR=ATTACKER)
        _fail(attacker, "op1", settings.AXES_FAILURE_LIMIT)
        clock.move_to(t0 + settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=5))
        _post_login(attacker, "op1", PASSWORD)
        assert "_auth_user_id" not in attacker.session  # still locked; the try restarts it
        clock.move_to(t0 + 2 * settings.AXES_COOLOFF_TIME)
        response = _post_login(attacker, "op1", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_verify")


def test_a_ward_admin_unlocks_the_user_on_the_handler_page(settings, operator, ward_admin):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "op1", settings.AXES_FAILURE_LIMIT)
    admin = verified_client(ward_admin)
    page = admin.get(reverse("handler_edit", args=[operator.pk])).content.decode()
    assert "ロックを解除" in page and ATTACKER in page

    response = admin.post(reverse("handler_unlock", args=[operator.pk]))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="lockout_unlock")
    assert (entry.username, entry.object_id, entry.detail) == (
        "admin1",
        "op1",
        {"addresses": [ATTACKER]},
    )
    assert "data-unlock" not in admin.get(response["Location"]).content.decode()
    assert _post_login(attacker, "op1", PASSWORD).status_code == 302


def test_only_a_ward_admin_may_unlock(settings, operator, supervisor):
    _fail(Client(REMOTE_ADDR=ATTACKER), "op1", settings.AXES_FAILURE_LIMIT)
    response = verified_client(supervisor).post(reverse("handler_unlock", args=[operator.pk]))
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="lockout_unlock").exists()


def test_the_trusted_proxy_setting_decides_which_address_is_counted(settings, operator):
    settings.SAIKOKU_TRUSTED_PROXIES = ["10.0.0.2"]
    behind_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)
    _fail(behind_proxy, "op1", settings.AXES_FAILURE_LIMIT)
    lock = AuditEntry.objects.get(action="login_lockout")
    assert lock.client_addr == ATTACKER
    # The same proxy, another client behind it: not locked.
    desk = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=DESK)
    assert client_login(desk, operator).status_code == 302
    # An untrusted peer cannot choose its address by the header.
    liar = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=DESK)
    _post_login(liar, "op1", PASSWORD)
    assert "_auth_user_id" not in liar.session


def _timed(client: Client, username: str, password: str) -> tuple[float, float, str, int]:
    """The answer's wall-clock time and the CPU time this process spent on it."""
    start, cpu_start = time.perf_counter(), time.process_time()
    response = _post_login(client, username, password)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return elapsed, cpu, response.content.decode(), response.status_code


def _form_part(html: str) -> str:
    # The page minus its CSRF token (a new one per answer).
    start = html.index('<section class="login-card">')
    section = html[start : html.index("</section>", start)]
    return "\n".join(line for line in section.splitlines() if "csrfmiddlewaretoken" not in line)


def test_unknown_user_wrong_password_and_locked_account_look_and_take_the_same(settings):
    """With the real Argon2 hasher: the same page and status, and the same work. The
    CPU time of each answer is compared tightly: the hashing dominates it, and other
    work on the machine does not change it. The wall-clock time, which a prober sees,
    is compared more loosely (each case's fastest of several tries, the one least
    disturbed by other work), so that a skipped hash (several times faster) still fails."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    make_user("victim", "operator")
    make_user("typist", "operator")
    locked_client = Client(REMOTE_ADDR=ATTACKER)
    _fail(locked_client, "victim", settings.AXES_FAILURE_LIMIT)
    wrong_client = Client(REMOTE_ADDR=DESK)
    unknown_client = Client(REMOTE_ADDR="10.20.0.99")

    cases = {
        "unknown user": (unknown_client, "nobody-by-this-name"),
        "wrong password": (wrong_client, "typist"),
        "locked account": (locked_client, "victim"),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    pages: dict[str, set[str]] = {name: set() for name in cases}
    # Four rounds interleaved (so a slow moment hits every case alike); the wrong
    # password stays below the lock (4 < 5 tries).
    for _round in range(4):
        for name, (client, username) in cases.items():
            password = PASSWORD if name == "locked account" else "not-the-password"
            elapsed, spent, html, status = _timed(client, username, password)
            assert status == 200, name
            times[name].append(elapsed)
            cpu[name].append(spent)
            pages[name].add(_form_part(html).replace(username, "NAME"))
    best = {name: min(values) for name, values in times.items()}
    work = {name: min(values) for name, values in cpu.items()}
    print("login answer times (fastest of 4, s):", {k: round(v, 4) for k, v in best.items()})
    print("login answer CPU (least of 4, s):", {k: round(v, 4) for k, v in work.items()})
    assert len({page for variants in pages.values() for page in variants}) == 1
    least, most = min(work.values()), max(work.values())
    assert most - least < max(0.3 * least, 0.02), work
    fastest, slowest = min(best.values()), max(best.values())
    assert slowest < 2 * fastest + 0.02, best
