"""Guard tests: project-wide conventions a reviewer would otherwise have to catch.

The permission matrix is generated from the URL configuration: every named URL is
either public (listed below, with the reason) or protected by
`core.permissions.capability_required`, and for each persona the test checks what the
capability table in `core/roles.py` says: refused with 403 when the role lacks the
capability, let through (never 403, never 500) when it has it, sent to the login page
when not logged in. A new view without a capability fails here.
"""

from __future__ import annotations

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.template import engines
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import saikoku
from saikoku.core.roles import user_can
from support.inline_code import inline_code
from support.personas import verified_client

SOURCE = Path(saikoku.__file__).parent
ROOT = SOURCE.parent.parent

# Named URLs anyone may open, and why.
PUBLIC = {
    "login": "the way in",
    "logout": "the way out",
    "home": "sends each user to their landing page (or to login)",
    "healthz": "monitoring: no login, no data",
    "readyz": "monitoring: the server's readiness checks, no login, no personal data",
    "metrics": "monitoring: no login, no personal data; its own networks or bearer token",
    "session_keepalive": "renews the caller's own session only",
    "set_language": "the language switch",
    "favicon": "the browser's icon, a static file",
    "mfa_verify": "the login's second step: for a logged-in user not yet verified",
    "mfa_enrol": "the first login's authenticator enrolment, for the same user",
    "mfa_recovery_codes": "shows the codes just issued to this session, once",
    "sms_callback": "the SMS gateway's delivery reports, authenticated by their HMAC signature",
    "cti_events": "the phone system's webhook: authenticated by its HMAC signature, not a login",
}
# Placeholder values for URL arguments: a refused persona is refused before any
# object is looked up, and an allowed one gets the page, a redirect or a 404.
ARGUMENT_VALUES = {"int": 1, "str": "x", "slug": "x", "path": "x"}
PERSONAS = (
    "operator",
    "supervisor",
    "ward_staff_tax",
    "ward_staff_nhi",
    "ward_admin",
    "auditor",
    "outsider",
)


def _named_patterns(resolver: URLResolver | None = None, prefix: str = ""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue  # Django's admin checks staff status itself
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _named_patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _url(name: str, pattern: URLPattern) -> str:
    converters = pattern.pattern.converters
    kwargs = {
        arg: ARGUMENT_VALUES.get(type(conv).__name__.replace("Converter", "").lower(), 1)
        for arg, conv in converters.items()
    }
    return reverse(name, kwargs=kwargs)


PATTERNS = sorted(_named_patterns(), key=lambda item: item[0])
PROTECTED = [(name, p) for name, p in PATTERNS if name not in PUBLIC]


def test_every_named_url_is_public_or_needs_a_capability():
    unprotected = [
        name for name, p in PROTECTED if getattr(p.callback, "required_capability", None) is None
    ]
    assert unprotected == []


def test_the_public_list_names_only_urls_that_exist():
    assert set(PUBLIC) <= {name for name, _ in PATTERNS}


def _status(client: Client, url: str) -> int:
    response = client.get(url)
    if response.status_code == 405:
        # A POST-only view: an empty POST, sent only where the answer must be a refusal.
        return -405
    return response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("name,pattern", PROTECTED, ids=[name for name, _ in PROTECTED])
def test_each_url_lets_in_exactly_the_roles_with_its_capability(request, name, pattern):
    capability = pattern.callback.required_capability
    url = _url(name, pattern)
    anonymous = Client().get(url)
    assert anonymous.status_code in (302, 405), (name, anonymous.status_code)
    if anonymous.status_code == 302:
        assert anonymous["Location"].startswith(reverse(django_settings.LOGIN_URL))
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        client = verified_client(user, raise_request_exception=False)
        allowed = user_can(user, capability)
        status = _status(client, url)
        if status == -405:
            if allowed:
                continue  # posting would act; the view's own tests cover it
            status = client.post(url, {}).status_code
        if allowed:
            assert status not in (403, 500), (name, persona, status)
        else:
            assert status == 403, (name, persona, status)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_a_persona_may_open_has_exactly_one_h1(request, persona):
    user = request.getfixturevalue(persona)
    client = verified_client(user)
    opened = 0
    for name, pattern in PROTECTED:
        if pattern.pattern.converters or not user_can(user, pattern.callback.required_capability):
            continue
        response = client.get(_url(name, pattern))
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, name
        assert re.search(r'<html[^>]* lang="ja"', html), name
        opened += 1
    may_open_some = any(
        user_can(user, p.callback.required_capability)
        for _, p in PROTECTED
        if not p.pattern.converters
    )
    assert opened >= 1 or not may_open_some


def test_every_template_compiles():
    engine = engines["django"]
    names = []
    for directory in [SOURCE / "templates", *SOURCE.glob("*/templates")]:
        for path in directory.rglob("*.html"):
            names.append(str(path.relative_to(directory)))
    assert len(names) > 10
    for name in names:
        engine.get_template(name)  # raises TemplateSyntaxError on a broken template


@pytest.mark.django_db
def test_no_missing_migrations():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_every_setting_read_is_in_the_operations_table():
    read = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text("utf-8")
        read |= set(
            re.findall(r"""env_(?:str|bool|int|list|networks)\(\s*["']([A-Z0-9_]+)["']""", text)
        )
        read |= set(re.findall(r"""environ\.get\(\s*["']([A-Z0-9_]+)["']""", text))
        read |= set(re.findall(r"""environ\[\s*["']([A-Z0-9_]+)["']\s*\]""", text))
    # Read by Django or the runtime, not settings of the project.
    read -= {"DJANGO_SETTINGS_MODULE"}
    table = (ROOT / "docs" / "operations.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)`", table, flags=re.M))
    missing = sorted(name for name in read if name not in documented)
    assert missing == []


def test_tests_run_on_the_database_ci_asked_for(settings):
    wanted = os.environ.get("DATABASE_URL", "")
    engine = settings.DATABASES["default"]["ENGINE"]
    if wanted.startswith("postgres"):
        assert engine == "django.db.backends.postgresql"
    else:
        assert engine == "django.db.backends.sqlite3"


def test_the_inline_code_detector_finds_what_it_must():
    assert inline_code("<script>alert(1)</script>") == ["<script> without src"]
    assert inline_code('<p style="color:red" onclick="x()">') == [
        "style= on <p>",
        "onclick= on <p>",
    ]
    assert inline_code('<script src="/static/a.js"></script><p data-on="1">') == []


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ("anonymous", *PERSONAS))
def test_no_page_carries_inline_script_or_style_and_each_has_the_policy(request, persona):
    """Every page of the URL matrix a persona gets, as HTML: no inline code (the CSP
    would block it), the CSP itself without 'unsafe-inline' and with frame-ancestors
    'none', and never a copy in a cache."""
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    client = verified_client(user, raise_request_exception=False)
    checked = 0
    for name, pattern in PATTERNS:
        if name in ("logout", "session_keepalive"):
            continue  # acts on the session; no page
        response = client.get(_url(name, pattern))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert inline_code(html) == [], (name, persona)
        policy = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, name
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, name
        assert "no-store" in response["Cache-Control"], name
        assert response["Referrer-Policy"] == "same-origin", name
        checked += 1
    assert checked >= 3


def test_no_template_or_script_writesinline_code():
    """The same rule in the sources, for pages the matrix cannot reach with data."""
    offenders = []
    for path in SOURCE.rglob("*.html"):
        if path.name.endswith("_pdf.html"):
            continue  # rendered by WeasyPrint into a PDF, never served as a page
        text = path.read_text("utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=", text):
            offenders.append(str(path.relative_to(SOURCE)))
    for path in (SOURCE / "static").rglob("*.js"):
        if path.name.endswith(".min.js"):
            continue  # vendored htmx; its inline style is switched off in base.html
        text = path.read_text("utf-8")
        if re.search(r"\.innerHTML\s*=|setAttribute\(\s*['\"](style|on)", text):
            offenders.append(str(path.relative_to(SOURCE)))
    assert offenders == []


ARROW = re.compile(r"\s*(\(\s*\)|\(?[A-Za-z_]\w*\)?)\s*=>")


def test_browser_waits_pass_a_function_which_the_page_policy_lets_run():
    # Playwright evaluates a bare expression given to wait_for_function with eval() on
    # every poll after the first, which the pages' Content-Security-Policy (no
    # 'unsafe-eval') refuses: such a wait works only when its condition is already
    # true, and fails at random otherwise. A function ("() => …") runs without eval.
    import ast

    bare = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and not ARROW.match(str(node.args[0].value))
            ):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == []
