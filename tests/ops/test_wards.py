"""One deployment per ward (docs/operations/many-wards.md): ward A and ward B run from
the same code with their own env files, databases, data folders and keys, each behind
its own nginx site, and each imports its own package. Nothing of one ward shows in the
other's console: not in search, not on a payer page opened by the other ward's ids,
not in the audit log, the monthly report or the results export.

Both instances are started once for the module. The tests run in the order of this
file: the audit log is read before either ward's user searches for the other ward's
names, which the audit trail rightly keeps as typed."""

from __future__ import annotations

import io
import re
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import openpyxl
import pytest
import pyzipper

from support.console_client import Console, device_json, hrefs
from support.layout import database_drop, instance_tool, saikoku, stack_start
from support.two_wards import MUNICIPALITY, PEOPLE, names, ward_package

OTHER = {"a": "b", "b": "a"}


def ward_start(tmp_path_factory, ward: str):
    """One ward's instance with its package imported and its ward_admin made."""
    folder = tmp_path_factory.mktemp(f"ward_{ward}")
    stack = stack_start(
        folder,
        tag=f"ward_{ward}",
        only={"web", "report"},
        SAIKOKU_MUNICIPALITY_CODE=MUNICIPALITY[ward],
        SAIKOKU_WEB_WORKERS="1",
    )
    try:
        stack.package = ward_package(folder / f"ward-{ward}.zip", ward)
        done = saikoku(stack.env, "import", str(stack.package))
        assert done.returncode == 0, done.stdout + done.stderr
        stack.device = device_json(instance_tool(stack.env, "user", f"admin_{ward}", "ward_admin"))
    except BaseException:
        stack.stop()
        database_drop(stack.database)
        raise
    return stack


@pytest.fixture(scope="module")
def wards(tmp_path_factory):
    # Both wards start at once: most of the time is each one's migrate.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {ward: pool.submit(ward_start, tmp_path_factory, ward) for ward in "ab"}
    started = {ward: f.result() for ward, f in futures.items() if f.exception() is None}
    try:
        for future in futures.values():
            future.result()  # raises the first start that failed
        yield started
    finally:
        for stack in started.values():
            stack.stop()
            database_drop(stack.database)


def logged_in(stack, ward: str) -> Console:
    client = Console(port=stack.https_port, cafile=str(stack.cafile))
    client.login(f"admin_{ward}", stack.device)
    return client


@pytest.fixture(scope="module")
def consoles(wards):
    return {ward: logged_in(stack, ward) for ward, stack in wards.items()}


def search(client: Console, query: str):
    page = client.get("/search/?" + urlencode({"q": query}))
    assert page.status == 200
    return page


def payer_links(client: Console, query: str) -> list[str]:
    page = search(client, query)
    return sorted(set(hrefs(page.text, r"^/payers/\d+/$")))


def assert_none_of(ward: str, text: str, where: str) -> None:
    shown = [name for name in names(ward) if name in text]
    assert shown == [], f"{where} shows ward {ward.upper()}'s {shown}"


def test_each_ward_has_its_own_settings_database_and_keys(wards):
    a, b = wards["a"], wards["b"]
    assert a.env_file != b.env_file
    assert a.env["DATABASE_URL"] != b.env["DATABASE_URL"]
    assert a.env["SAIKOKU_DATA_DIR"] != b.env["SAIKOKU_DATA_DIR"]
    for key in ("SAIKOKU_MASTER_KEY_FILE", "SAIKOKU_AUDIT_KEY_FILE", "SAIKOKU_SECRET_KEY_FILE"):
        with open(a.env[key]) as mine, open(b.env[key]) as theirs:
            assert mine.read() != theirs.read(), key


@pytest.mark.parametrize("ward", ["a", "b"])
def test_the_audit_log_and_the_results_export_hold_none_of_the_others(consoles, ward):
    client = consoles[ward]
    for person in PEOPLE[ward].values():
        for link in payer_links(client, person[0]):
            assert client.get(link).status == 200
    audit = client.get("/audit/")
    assert audit.status == 200
    assert_none_of(OTHER[ward], audit.text, f"ward {ward.upper()}'s audit log")
    client.get("/exports/results/")
    staged = client.post("/exports/results/", {"since": ""})
    assert staged.status == 200, staged.text
    password = re.search(r'data-testid="export-password"><strong>([^<]+)<', staged.text)
    (link,) = hrefs(staged.text, r"^/exports/results/download/")
    download = client.get(link)
    assert download.status == 200
    with pyzipper.AESZipFile(io.BytesIO(download.body)) as package:
        package.setpassword(password.group(1).encode())
        for member in package.namelist():
            text = package.read(member).decode("utf-8", errors="replace")
            assert_none_of(OTHER[ward], text, f"ward {ward.upper()}'s results {member}")


@pytest.mark.parametrize("ward", ["a", "b"])
def test_the_monthly_report_holds_none_of_the_others(consoles, wards, ward):
    client = consoles[ward]
    asked = client.post("/reports/monthly/", {"month": "2025-11"})
    assert asked.status == 302, asked.text
    run_page = asked.header("Location")
    ends = time.monotonic() + 180
    while time.monotonic() < ends:
        status = re.search(r'data-run-status="(\w+)"', client.get(run_page).text).group(1)
        if status in ("done", "failed"):
            break
        time.sleep(0.5)
    assert status == "done", wards[ward].running.log("report")[-3000:]
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(run_page + "xlsx").body))
    cells = " ".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert_none_of(OTHER[ward], cells, f"ward {ward.upper()}'s monthly report (xlsx)")
    pdf = client.get(run_page + "pdf").body
    assert pdf.startswith(b"%PDF")
    with zipfile.ZipFile(io.BytesIO(client.get(run_page + "xlsx").body)) as raw:
        for member in raw.namelist():
            assert_none_of(OTHER[ward], raw.read(member).decode("utf-8", "replace"), member)


@pytest.mark.parametrize("ward", ["a", "b"])
def test_search_finds_the_wards_own_payers_and_none_of_the_others(consoles, ward):
    client = consoles[ward]
    own = [person[0] for person in PEOPLE[ward].values()]
    assert payer_links(client, own[0]), f"ward {ward.upper()} finds its own payer"
    for name in names(OTHER[ward]):
        page = search(client, name)
        assert hrefs(page.text, r"^/payers/\d+/$") == [], name
        assert "0 件" in page.text
        # The page repeats the query; nothing else of the other ward is on it.
        rest = page.text.replace(name, "")
        assert_none_of(OTHER[ward], rest, f"ward {ward.upper()}'s search for {name}")


@pytest.mark.parametrize("ward", ["a", "b"])
def test_the_other_wards_payer_ids_open_nothing_of_theirs(consoles, ward):
    other = OTHER[ward]
    their_ids = set()
    for person in PEOPLE[other].values():
        their_ids.update(payer_links(consoles[other], person[0]))
    assert their_ids
    statuses = []
    for link in sorted(their_ids):
        page = consoles[ward].get(link)
        statuses.append(page.status)
        assert page.status in (200, 404), link
        assert_none_of(other, page.text, f"ward {ward.upper()}'s {link}")
    if ward == "a":
        # Ward B's payers come after two more residents: ids ward A does not have.
        assert 404 in statuses


def test_a_ward_refuses_the_other_wards_package(wards):
    for ward, stack in wards.items():
        other_package = wards[OTHER[ward]].package
        done = saikoku(stack.env, "import", str(other_package))
        assert done.returncode == 1, done.stdout + done.stderr
