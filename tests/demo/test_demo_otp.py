"""The demo stays two commands away with the second factor: `saikoku demo` enrols its
users and `saikoku demo-otp USER` prints the current code; neither works outside the
demo, and production refuses to start with demo users present."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from saikoku.core.checks import demo_users_outside_the_demo
from saikoku.demo.services import demo_password, demo_users_ensure

pytestmark = pytest.mark.django_db


def test_a_demo_user_logs_in_with_the_code_demo_otp_prints():
    demo_users_ensure()
    out = StringIO()
    call_command("demo_otp", "operator", stdout=out)
    code = out.getvalue().strip()
    assert len(code) == 6 and code.isdigit()
    client = Client()
    client.post(reverse("login"), {"username": "operator", "password": demo_password("operator")})
    response = client.post(reverse("mfa_verify"), {"token": code})
    assert response.status_code == 302 and response["Location"] == reverse("call_screen")


def test_demo_otp_refuses_a_user_who_is_not_a_demo_user(operator):
    with pytest.raises(CommandError, match="デモ利用者ではありません"):
        call_command("demo_otp", "op1", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("demo_otp", "nobody-at-all", stdout=StringIO())


def test_production_refuses_to_start_with_demo_users(settings):
    settings.DEBUG = False
    settings.SAIKOKU_DEMO = False
    assert demo_users_outside_the_demo() == []
    demo_users_ensure()
    (error,) = demo_users_outside_the_demo()
    assert error.id == "saikoku.E101" and error.is_serious()
    settings.SAIKOKU_DEMO = True
    assert demo_users_outside_the_demo() == []


def test_the_demo_start_says_how_to_get_the_codes(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("demo", "--scale", "0.005", "--no-serve", stdout=out)
    assert "saikoku demo-otp operator" in out.getvalue()
