"""What every page of the layout carries: a favicon, the demo banner while the demo's
widened contact hours are in effect (and only then), and Japanese dropdown prompts."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from django import forms
from django.urls import reverse

import saikoku
from saikoku.outreach.models import ContactRecord, ContactSettings

BANNER = "連絡可能時間を拡大しています"


def test_favicon_is_linked_from_the_layout_and_served(client_for, operator):
    html = client_for(operator).get(reverse("search")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    response = client_for(None).get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/saikoku/favicon.ico")


def _widen() -> None:
    import datetime as dt

    s = ContactSettings.current()
    s.weekday_start = s.saturday_start = dt.time.min
    s.weekday_end = s.saturday_end = dt.time.max
    s.saturday_allowed = s.sunday_allowed = s.holiday_allowed = True
    s.save()


def test_the_demo_banner_shows_on_every_page_while_the_demo_hours_are_widened(
    settings, client_for, operator
):
    settings.SAIKOKU_DEMO = True
    _widen()
    for user, url in [(operator, reverse("search")), (None, reverse("login"))]:
        html = client_for(user).get(url).content.decode()
        assert BANNER in html and "デモ設定" in html, url


def test_no_banner_once_the_hours_are_the_wards_again(settings, client_for, operator):
    settings.SAIKOKU_DEMO = True
    ContactSettings.current()  # the ward's defaults: weekdays 9–20
    assert BANNER not in client_for(operator).get(reverse("search")).content.decode()


def test_no_banner_outside_the_demo_whatever_the_hours(settings, client_for, operator):
    settings.SAIKOKU_DEMO = False
    _widen()
    assert BANNER not in client_for(operator).get(reverse("search")).content.decode()


SRC = Path(saikoku.__file__).resolve().parent
# What a form's required keyword arguments are given here (a new one: add it).
FORM_ARGUMENTS = {
    "rules": lambda: [("caution", "処理注意者"), ("deceased", "死亡")],
    "original": lambda: ContactRecord(identity_verified=True),
}


def _forms():
    """Every Form class of every forms.py of the project."""
    for path in sorted(SRC.rglob("forms.py")):
        name = ".".join(("saikoku", *path.relative_to(SRC).with_suffix("").parts))
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _instance(cls, rf):
    kwargs = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        if name == "request":
            kwargs[name] = rf.get("/")
        elif parameter.kind == parameter.KEYWORD_ONLY and parameter.default is parameter.empty:
            kwargs[name] = FORM_ARGUMENTS[name]()
    return cls(**kwargs)


def test_no_dropdown_of_the_console_shows_django_dashes(rf, db):
    checked = 0
    for cls in _forms():
        html = str(_instance(cls, rf))
        checked += html.count("<select")
        assert "---------" not in html, cls.__name__
        for select in re.findall(r"<select.*?</select>", html, flags=re.S):
            first = re.search(r"<option[^>]*>(.*?)</option>", select, flags=re.S)
            assert first and first.group(1).strip(), cls.__name__
    assert checked >= 5
