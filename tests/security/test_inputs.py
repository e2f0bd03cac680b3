"""SQL metacharacters, 10,000-character strings and other hostile values in every
search and filter field: never a server error (500), and the database is unharmed.

The fields are read from the pages themselves: every GET form on every page a
persona may open (the search box, the audit log's filters, the list builder, the
handler list's day, the payer's "if paid on" day …), plus the query parameters the
views read directly (page, status, upto, closed, purpose)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from saikoku.core.models import User
from saikoku.interchange.services import package_import
from saikoku.people.models import Resident
from support.console_package import TAKAHASHI, build_console_package
from support.personas import verified_client
from test_guards import PATTERNS, _url

pytestmark = [pytest.mark.django_db, pytest.mark.attack("search and filter input")]

HOSTILE = {
    "sql-quote": "' OR '1'='1",
    "sql-comment": "1; DROP TABLE core_user; --",
    "sql-union": '" UNION SELECT username, password FROM core_user --',
    "like-wildcards": "%_\\%",
    "10000-chars": "あ" * 5000 + "x" * 5000,
    "nul": "abc\x00def",
    "huge-number": "9" * 40,
    "negative": "-1",
    "bad-date": "令和99年13月45日",
    "control-chars": "\r\n\t\x1b[31m",
}
EXTRA_PARAMETERS = ("page", "status", "upto", "closed", "purpose", "q", "on")
PERSONAS = ("operator", "supervisor", "ward_staff_tax", "ward_admin", "auditor")


class _GetForms(HTMLParser):
    """The field names of each GET form of a page, by the form's action."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, set[str]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            method = (a.get("method") or "get").lower()
            self._action = (a.get("action") or "") if method == "get" else None
            if self._action is not None:
                self.forms.setdefault(self._action, set())
        elif (
            tag in ("input", "select", "textarea")
            and self._action is not None
            and a.get("name")
            and a.get("type") not in ("submit", "hidden")
        ):
            self.forms[self._action].add(a["name"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


@pytest.fixture
def world(tmp_path, operators_work_every_payer):
    path = build_console_package(tmp_path / "console.zip")
    assert package_import(path=path, password=None, handler="test").status == "imported"
    return Resident.objects.get(resident_no=TAKAHASHI).pk


def _pages(persona_user, resident_id: int) -> list[str]:
    pages = []
    for name, pattern in PATTERNS:
        converters = set(pattern.pattern.converters)
        if name in ("logout", "session_keepalive"):
            continue
        if converters == {"resident_id"}:
            pages.append(reverse(name, kwargs={"resident_id": resident_id}))
        elif not converters:
            pages.append(_url(name, pattern))
    return pages


@pytest.mark.parametrize("value_kind", sorted(HOSTILE))
@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_values_in_every_search_and_filter_field_never_fail(
    request, world, persona, value_kind
):
    user = request.getfixturevalue(persona)
    client = verified_client(user, raise_request_exception=False)
    value = HOSTILE[value_kind]
    tried = 0
    for page in _pages(user, world):
        response = client.get(page)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _GetForms()
        parser.feed(response.content.decode())
        targets = {action or page: names for action, names in parser.forms.items()}
        targets.setdefault(page, set())
        for action, names in targets.items():
            fields = {name: value for name in names | set(EXTRA_PARAMETERS)}
            answer = client.get(action + "?" + urlencode(fields))
            assert answer.status_code < 500, (persona, action, value_kind, answer.status_code)
            tried += 1
    assert tried > 0
    assert User.objects.filter(username=user.username).exists()
    assert Resident.objects.count() > 0
