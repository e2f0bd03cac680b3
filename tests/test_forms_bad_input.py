"""Bad input never answers 500: generated from the forms themselves.

Every Form class of every forms module under src/saikoku (forms.py and the *_forms.py
beside it) is found by walking the source;
each must be listed in uses(world) (the view that parses it, the method, the persona that
may use it and the rest of the data it is sent with), so a new form is covered or
this test fails. Each field of each form is then fed huge, negative, non-numeric and
10,000-character values through its view. Whatever the value: no 500, and when the
form refuses the value, its error is on the page and in Japanese.

Besides the forms, the query parameters views read themselves (page numbers) get the
same values.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django import forms
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

import saikoku
import support.calls as calls
import support.cti as cti
from saikoku.backoffice.inquiries import inquiry_register
from saikoku.backoffice.models import CounterpartKind, Task
from saikoku.inbound.models import InboundCall, TransferReason
from saikoku.outreach.models import CallList, CallListEntry, ContactRecord
from saikoku.privacy.incidents import incident_create, incident_report
from saikoku.privacy.services import custody_record
from saikoku.sms.templates import sms_template_save
from support.cti import event, post_event
from support.personas import PASSWORD, make_user, verified_client

pytestmark = pytest.mark.django_db

SRC = Path(saikoku.__file__).resolve().parent
BAD_VALUES = (
    "1000000",  # huge
    "2147483648",  # past a 32-bit integer
    "9" * 30,  # past a 64-bit integer
    "9999-12-31",  # the last day Python knows: one day later overflows
    "-1",  # negative
    "abc",  # not a number
    "１２あ",  # full-width digits and kana
    "9" * 10_000,  # 10,000 characters
    "あ" * 10_000,
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def project_forms() -> list[type[forms.BaseForm]]:
    found = []
    for path in sorted(SRC.rglob("*forms.py")):
        name = ".".join(("saikoku", *path.relative_to(SRC).with_suffix("").parts))
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


@dataclass
class Use:
    """How a form reaches its view: method, url, who, with what else, and the keyword
    arguments the view builds the form with (to ask the form what it refuses)."""

    method: str
    url: str
    user: Any  # None: anonymous
    base: dict[str, str] = field(default_factory=dict)
    kwargs: dict[str, Any] = field(default_factory=dict)
    # "password": only the password step done, for the pages of the code step itself.
    login: str = "verified"
    # The view answers with a redirect and says what it refused on the next page.
    follow: bool = False


def log_in(user, step: str = "verified") -> Client:
    if user is None:
        return Client()
    if step == "password":
        client = Client()
        response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response
        return client
    return verified_client(user)


@pytest.fixture
def world(tmp_path, settings):
    """The calls package (support/calls.py) at its fixed moment: a list for an operator,
    one payer kept out of it (reached in person the day before: cool_down), whose
    hardship made a task for the tax department; the operator holds a payer whose
    identity is confirmed."""
    payers = calls.import_payers(tmp_path)
    people = {
        "op": make_user("op", "operator"),
        "op2": make_user("op2", "operator"),
        "sv": make_user("sv", "supervisor"),
        "admin": make_user("admin", "ward_admin"),
        "tax": make_user("tax", "ward_staff", "tax"),
        "auditor": make_user("auditor", "auditor"),
        # First login: the authenticator is still to be registered.
        "newcomer": make_user("newcomer", "operator", enrolled=False),
    }
    record = calls.record_contact(
        actor=people["op"],
        payer_id=payers[calls.UEDA],
        outcome="hardship",
        party="self",
        identity_verified=True,
        now=calls.NOW - dt.timedelta(days=1),
        note="失業中",
    )
    call_list = calls.build_list(people["sv"], operator=people["op"])
    excluded = CallListEntry.objects.get(call_list=call_list, status="excluded")
    operator = log_in(people["op"])
    with time_machine.travel(calls.NOW, tick=False):
        operator.post(reverse("call_next"))
        # Identity confirmed: the promise fields, and their errors, are on the screen.
        operator.post(reverse("call_identity"), {"name": "on", "birth_date": "on"})
    # An inbound call answered at the operator's extension, the payer chosen and the
    # identity confirmed: the transfer and task forms are on its page.
    settings.SAIKOKU_CTI_SECRET = cti.SECRET
    people["answering"] = make_user("answering", "operator", extension="201")
    answering = log_in(people["answering"])
    hook = Client()
    post_event(hook, event("ringing", "bad-input", caller="0312340000"))
    post_event(hook, event("answered", "bad-input", caller="0312340000", extension="201"))
    inbound = InboundCall.objects.get(call_id="bad-input")
    answering.post(reverse("inbound_choose", args=[inbound.pk]), {"payer": payers[calls.ETO]})
    answering.post(reverse("inbound_identity", args=[inbound.pk]), {"name": "on", "address": "on"})
    return {
        "payers": payers,
        "people": people,
        "record": ContactRecord.objects.get(pk=record.pk),
        "list": call_list,
        "excluded": excluded,
        "task": Task.objects.get(department="tax"),
        "inquiry": inquiry_register(
            actor=people["op"],
            counterpart_kind=CounterpartKind.BANK,
            counterpart_name="みずほ銀行",
            sent_on=dt.date(2025, 11, 1),
            due_on=dt.date(2025, 11, 30),
        ),
        "inbound_call": inbound,
        "custody_entry": custody_record(
            direction="handed_over",
            actor=people["admin"],
            handler="admin",
            package_id="RESULTS-BAD-INPUT",
            content="区への引渡",
            files=[],
            sha256="",
            password_required=True,
        ),
        "incident": incident_create(
            actor=people["sv"],
            title="催告書の誤送付",
            what="別の世帯の催告書を同封した。",
            occurred_at=calls.NOW - dt.timedelta(days=2),
            found_at=calls.NOW - dt.timedelta(days=1),
            found_by_name="佐藤",
            kind="misdelivery",
            scope="1通",
            severity="minor",
            affected_count=1,
            payer_numbers=[calls.AOKI],
        ),
        "reported_incident": incident_report(
            incident_id=incident_create(
                actor=people["sv"],
                title="USBメモリの紛失",
                what="保管庫にない。",
                occurred_at=calls.NOW - dt.timedelta(days=2),
                found_at=calls.NOW - dt.timedelta(days=1),
                found_by_name="田中",
                kind="loss",
                scope="1点",
                severity="serious",
                affected_count=0,
            ).pk,
            actor=people["sv"],
            at=calls.NOW - dt.timedelta(hours=23),
            by="鈴木",
            to="税務課 山田",
        ),
        "sms_template": sms_template_save(
            actor=people["sv"],
            name="納期限のお知らせ",
            department="tax",
            texts={"ja": "新宿区税務課です。お問い合わせください。"},
        ),
        # The operator's session holds the payer and the identity check.
        "clients": {people["op"].pk: operator, people["answering"].pk: answering},
    }


def uses(world) -> dict[str, Use]:
    p, payers = world["people"], world["payers"]
    payer = reverse("payer", args=[payers[calls.AOKI]])
    call_list, excluded = world["list"], world["excluded"]
    rules = [(c, c) for c in excluded.excluded_reasons]
    task = world["task"]
    new_password = "夜明けの鐘が三度鳴る"
    handler = {
        "last_name": "大野",
        "first_name": "次郎",
        "organisation": "contractor",
        "role": "operator",
        "extension": "123",
        "valid_from": "2025-04-01",
    }

    def inquiry_url(name: str) -> str:
        return reverse(name, args=[world["inquiry"].pk])

    return {
        "LoginForm": Use("post", reverse("login"), None, {"username": "op", "password": "x"}),
        "AuditFilterForm": Use("get", reverse("audit_log"), p["auditor"]),
        "AuditAnalysisForm": Use("get", reverse("audit_analysis"), p["auditor"]),
        "OwedOnForm": Use("get", payer, p["sv"]),
        # An operator outside their own work gives a reason first.
        "PurposeForm": Use("get", payer, p["op2"]),
        "LateChargeRateForm": Use(
            "post",
            reverse("late_charge_rates"),
            p["admin"],
            {"year": "2027", "lower_percent": "2.8", "higher_percent": "9.1", "source": "告示"},
        ),
        "TaskCloseForm": Use("post", reverse("task_close", args=[world["task"].pk]), p["tax"]),
        "IdentityForm": Use("post", reverse("call_identity"), p["op"]),
        "OutcomeForm": Use("post", reverse("call_record"), p["op"], {"outcome": "no_answer"}),
        "AmendForm": Use(
            "post",
            reverse("contact_record_amend", args=[world["record"].pk]),
            p["op"],
            {"outcome": "hardship", "reason": "聞き違い"},
            {"original": world["record"]},
        ),
        "ResultsExportForm": Use("post", reverse("results_export"), p["admin"]),
        "DashboardForm": Use("get", reverse("report_dashboard"), p["sv"]),
        "MonthlyReportForm": Use("post", reverse("report_monthly"), p["sv"], {"month": "2025-06"}),
        "CallListFilterForm": Use("get", reverse("call_list_new"), p["sv"]),
        "AssignForm": Use(
            "post",
            reverse("call_list_assign", args=[call_list.pk]),
            p["sv"],
            {"operator": str(p["op"].pk), "count": "1"},
        ),
        "ApprovalForm": Use(
            "post",
            reverse("contact_approve", args=[call_list.pk, excluded.pk]),
            p["admin"],
            {"rule": rules[0][0], "reason": "区と協議済み"},
            {"rules": rules},
        ),
        "EntryFilterForm": Use("get", reverse("call_list_detail", args=[call_list.pk]), p["sv"]),
        "PaperCustodyForm": Use(
            "post",
            reverse("custody_ledger"),
            p["admin"],
            {
                "at": "2025-11-05 10:00",
                "direction": "received",
                "handler": "山田",
                "content": "返戻郵便",
                "quantity": "3",
                "quantity_unit": "envelopes",
                "medium": "paper",
                "counterpart": "税務課",
            },
        ),
        "LedgerFilterForm": Use("get", reverse("custody_ledger"), p["admin"]),
        "LedgerDoneForm": Use(
            "post",
            reverse("custody_done", args=[world["custody_entry"].pk, "password"]),
            p["admin"],
            {"at": "2025-11-06 09:00", "by": "鈴木"},
        ),
        "MfaCodeForm": Use("post", reverse("mfa_verify"), p["sv"], login="password"),
        "EnrolCodeForm": Use("post", reverse("mfa_enrol"), p["newcomer"], login="password"),
        "ConsolePasswordChangeForm": Use(
            "post",
            reverse("password_change"),
            p["auditor"],
            {
                "old_password": PASSWORD,
                "new_password1": new_password,
                "new_password2": new_password,
            },
            {"user": p["auditor"]},
        ),
        "AsOfForm": Use("get", reverse("handler_list"), p["admin"]),
        "HandlerForm": Use(
            "post", reverse("handler_edit", args=[p["op2"].pk]), p["admin"], handler
        ),
        "HandlerCreateForm": Use(
            "post",
            reverse("handler_new"),
            p["admin"],
            {**handler, "username": "newhandler", "password": new_password},
        ),
        "ReturnedMailForm": Use(
            "post",
            reverse("returned_mail_register"),
            p["op"],
            {"code": calls.AOKI, "reason": "1"},
        ),
        "InquiryForm": Use(
            "post",
            reverse("inquiry_create"),
            p["op"],
            {
                "resident_no": calls.AOKI,
                "department": "tax",
                "counterpart_kind": "bank",
                "counterpart_name": "みずほ銀行",
                "sent_on": "2025-11-01",
                "due_on": "2025-11-30",
            },
        ),
        "InquiryAnswerForm": Use(
            "post", inquiry_url("inquiry_answer"), p["op"], {"received_on": "2025-11-20"}
        ),
        # Text only: the file is missing whatever the other field holds.
        "InquiryFileForm": Use(
            "post", inquiry_url("inquiry_file_upload"), p["op"], {"part": "inquiry"}
        ),
        "TaskFilterForm": Use("get", reverse("task_queue"), p["sv"]),
        "TaskTransitionForm": Use(
            "post",
            reverse("task_transition", args=[task.pk]),
            p["tax"],
            {"to": "in_progress", "note": "確認中"},
            follow=True,
        ),
        "TaskAssignForm": Use(
            "post",
            reverse("task_assign"),
            p["sv"],
            {"tasks": str(task.pk), "assignee": str(p["op"].pk)},
            {"task_ids": [task.pk]},
            follow=True,
        ),
        "TemplateForm": Use(
            "post",
            reverse("sms_template_new"),
            p["sv"],
            {"name": "催告", "department": "tax", "text_ja": "新宿区税務課です。"},
        ),
        "TemplatePolicyForm": Use(
            "post",
            reverse("sms_template_policy", args=[world["sms_template"].pk]),
            p["admin"],
            follow=True,
        ),
        "PreviewForm": Use(
            "get", reverse("sms_template_detail", args=[world["sms_template"].pk]), p["sv"]
        ),
        "CampaignForm": Use("get", reverse("sms_campaign_new"), p["sv"], {"name": "11月"}),
        "ChoosePayerForm": Use(
            "post",
            reverse("inbound_choose", args=[world["inbound_call"].pk]),
            p["answering"],
            follow=True,
        ),
        "TaskRequestForm": Use(
            "post",
            reverse("inbound_task", args=[world["inbound_call"].pk]),
            p["answering"],
            {"request": "reissue"},
            follow=True,
        ),
        "TransferForm": Use(
            "post",
            reverse("inbound_transfer", args=[world["inbound_call"].pk]),
            p["answering"],
            {"reason": TransferReason.values[0], "levies": "RT", "summary": "分納の相談"},
            follow=True,
        ),
        "IncidentForm": Use(
            "post",
            reverse("incident_new"),
            p["sv"],
            {
                "title": "誤送付",
                "what": "封入誤り",
                "kind": "misdelivery",
                "severity": "minor",
                "occurred_at": "2025-11-04T08:00",
                "found_at": "2025-11-04T09:30",
                "found_by_name": "佐藤",
                "scope": "1通",
                "affected_count": "1",
            },
        ),
        "IncidentFilterForm": Use("get", reverse("incident_list"), p["auditor"]),
        "IncidentActionForm": Use(
            "post",
            reverse("incident_action", args=[world["incident"].pk]),
            p["sv"],
            {"at": "2025-11-05T09:00", "by": "佐藤", "text": "回収を依頼した。"},
            {"incident": world["incident"]},
        ),
        "IncidentPayersForm": Use(
            "post", reverse("incident_payers", args=[world["incident"].pk]), p["sv"]
        ),
        "IncidentReportForm": Use(
            "post",
            reverse("incident_report", args=[world["incident"].pk]),
            p["sv"],
            {"at": "2025-11-05T09:00", "by": "鈴木", "to": "税務課 山田"},
            {"incident": world["incident"]},
        ),
        "IncidentCloseForm": Use(
            "post",
            reverse("incident_close", args=[world["reported_incident"].pk]),
            p["sv"],
            {"at": "2025-11-05T09:00", "by": "山田", "summary": "回収済み。"},
            {"incident": world["reported_incident"]},
        ),
        "PreferenceForm": Use(
            "post", reverse("sms_payer_preferences", args=[payers[calls.AOKI]]), p["sv"]
        ),
    }


def refused(cls: type[forms.BaseForm], use: Use, data: dict[str, str], name: str) -> list[str]:
    """The errors the form itself gives the field for this data (none: accepted)."""
    query = QueryDict(mutable=True)
    query.update(data)
    if "request" in inspect.signature(cls).parameters:
        form = cls(request=None, data=query, **use.kwargs)
    else:
        form = cls(data=query, **use.kwargs)
    return list(form.errors.get(name, []))


def test_every_form_of_the_project_is_covered(world):
    names = [cls.__name__ for cls in project_forms()]
    # uses(world) is keyed by the class name: two forms of one name would share one entry.
    assert len(names) == len(set(names)), sorted(names)
    assert sorted(names) == sorted(uses(world))


def test_every_number_a_form_reads_has_an_upper_bound():
    for cls in project_forms():
        for name, f in cls.base_fields.items():
            if isinstance(f, forms.DecimalField):  # bounded by its digits
                assert f.max_value is not None or f.max_digits, f"{cls.__name__}.{name}"
            elif isinstance(f, forms.IntegerField | forms.FloatField):
                assert f.max_value is not None, f"{cls.__name__}.{name}"


@time_machine.travel(calls.NOW, tick=False)
@pytest.mark.parametrize("form_name", sorted(cls.__name__ for cls in project_forms()))
def test_bad_values_in_every_field_never_answer_500(world, form_name):
    cls = next(c for c in project_forms() if c.__name__ == form_name)
    use = uses(world)[form_name]
    client = (use.login == "verified" and world["clients"].get(getattr(use.user, "pk", None))) or (
        log_in(use.user, use.login)
    )
    cases = [
        (name, value, refused(cls, use, {**use.base, name: value}, name))
        for name in cls.base_fields
        for value in BAD_VALUES
    ]
    # Values the form refuses first: an accepted one may act (close the task, save the
    # record) and leave nothing for the others to be refused by.
    cases.sort(key=lambda case: not case[2])
    for name, value, errors in cases:
        data = {**use.base, name: value}
        response = getattr(client, use.method)(use.url, data, follow=use.follow)
        where = f"{form_name}.{name}={value[:20]!r}"
        assert response.status_code < 500, where
        if errors:
            html = response.content.decode()
            for error in errors:
                assert JAPANESE.search(error), (where, error)
                assert escape(error) in html, (where, error)


@time_machine.travel(calls.NOW, tick=False)
def test_bad_page_numbers_never_answer_500(world):
    people, call_list = world["people"], world["list"]
    pages = [
        (people["sv"], reverse("search"), {"q": "青木"}),
        (people["auditor"], reverse("audit_log"), {}),
        (people["sv"], reverse("call_list_detail", args=[call_list.pk]), {"status": "all"}),
    ]
    for user, url, base in pages:
        client = log_in(user)
        for value in BAD_VALUES:
            response = client.get(url, {**base, "page": value})
            assert response.status_code == 200, (url, value[:20])


def test_a_huge_number_of_days_is_refused_in_japanese_not_a_500(world):
    client = log_in(world["people"]["sv"])
    for days in ("1000000", "2147483648"):
        response = client.get(reverse("call_list_new"), {"not_contacted_days": days})
        assert response.status_code == 200
        assert "1〜3,650の整数で入力してください。" in response.content.decode()
    assert not CallList.objects.exclude(pk=world["list"].pk).exists()
