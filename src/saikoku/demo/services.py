"""The demo start's steps, as plain functions the `demo` command strings together.

Demo only: the users get fixed, published passwords (docs/demo.md). Production creates
users through the admin with the ward's password rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from saikoku.arrears.models import Assessment, Bill
from saikoku.backoffice.models import Task, TaskKind
from saikoku.core.handlers import handler_history_record
from saikoku.core.mfa import totp_device_create, totp_device_enrolled
from saikoku.core.models import (
    DEPARTMENT_LEVIES,
    ROLE_ORGANISATION,
    Department,
    HandlerChangeKind,
    Role,
)
from saikoku.demo.generator import PackageSummary, generate_package
from saikoku.interchange.models import ImportedPackage
from saikoku.interchange.services import ImportResult, package_import, write_report
from saikoku.outreach.lists.services import call_list_assign, call_list_build
from saikoku.outreach.models import CallList, CallListEntry, Channel, ContactSettings
from saikoku.outreach.records.services import CallOutcome, contact_record_create
from saikoku.people.models import Resident


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    department: str


# One user per role (BRIEF.md "Who uses it"); ward staff once per department.
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("admin", Role.WARD_ADMIN, ""),
    ("tax", Role.WARD_STAFF, Department.TAX),
    ("nhi", Role.WARD_STAFF, Department.NHI),
    ("supervisor", Role.SUPERVISOR, ""),
    ("operator", Role.OPERATOR, ""),
    ("auditor", Role.AUDITOR, ""),
)


# The demo operator's phone extension, so an inbound call can be tried at once
# (`saikoku cti simulate --extension 201`, docs/demo.md). Set when the user has none:
# one changed in the admin stays changed.
DEMO_EXTENSIONS = {"operator": "201"}


def demo_password(username: str) -> str:
    return f"saikoku-demo-{username}"


def demo_package_path(seed: int) -> Path:
    return Path(settings.DATA_DIR) / "demo" / f"demo-{seed}.zip"


def demo_data_present() -> bool:
    return ImportedPackage.objects.exists()


def demo_data_load(
    *, scale: float, seed: int, today: date | None = None
) -> tuple[PackageSummary, ImportResult]:
    """Generates the demo package and imports it through the production import, the
    one way data enters the system (ARCHITECTURE.md)."""
    path = demo_package_path(seed)
    summary = generate_package(path, scale=scale, seed=seed, today=today)
    result = package_import(path=path, password=None, actor=None, handler="demo")
    if result.status == "rejected":
        write_report(result.problems, path.with_suffix(".report.csv"))
    return summary, result


def demo_users_ensure() -> list[DemoLogin]:
    """Creates the demo users that are missing and puts every one back on its role.
    A password is set only when the user is created, so a changed one survives.

    Each is marked a demo user (a production start refuses while any exists,
    core/checks.py) and has an authenticator enrolled, whose current code
    `saikoku demo-otp USER` prints: the demo skips the QR step, not the second factor."""
    user_model = get_user_model()
    logins = []
    with transaction.atomic():
        for username, role, department in DEMO_USERS:
            user, created = user_model.objects.get_or_create(username=username)
            user.role = role
            user.department = department
            user.organisation = ROLE_ORGANISATION[role]
            user.is_demo = True
            # The ward administrator manages users in Django's admin site.
            user.is_staff = user.is_superuser = role == Role.WARD_ADMIN
            user.is_active = True
            if not user.extension:
                user.extension = DEMO_EXTENSIONS.get(username, "")
            if created:
                user.set_password(demo_password(username))
            user.save()
            if created:
                handler_history_record(user=user, actor=None, kind=HandlerChangeKind.ADDED)
            if totp_device_enrolled(user) is None:
                totp_device_create(user=user, confirmed=True)
            logins.append(DemoLogin(username, demo_password(username), role, department))
    return logins


DEMO_LIST_NAME = "デモ: 納期限後60日以内の早期催告"


def demo_call_list_ensure(*, now: datetime) -> CallList | None:
    """Gives the demo operator work: once, the supervisor builds a list of payers whose
    oldest unpaid bill fell due within 60 days (the center's main job) and assigns the
    500 with the highest priority to the operator. Built through the same services a
    supervisor's screen uses."""
    if CallList.objects.exists():
        return None
    user_model = get_user_model()
    supervisor = user_model.objects.get(username="supervisor")
    operator = user_model.objects.get(username="operator")
    call_list = call_list_build(
        actor=supervisor,
        name=DEMO_LIST_NAME,
        filters={"days_past_due_max": 60, "has_callable_number": True},
        now=now,
    )
    call_list_assign(actor=supervisor, call_list=call_list, count=500, operator=operator)
    return call_list


def demo_counts() -> tuple[int, int]:
    """(payers, residents): the package holds every member of a payer's household, so
    there are far more residents than payers (README.md says both)."""
    residents = Resident.objects.count()
    payers = Resident.objects.filter(
        Exists(Assessment.objects.filter(payer=OuterRef("pk")))
    ).count()
    return payers, residents


def demo_contact_hours_widen() -> bool:
    """The demo's own contact rules: every day, holidays and 12/29–1/3 included, from
    0:00 to the end of the day, so the call screen can be tried at any hour (a new
    user at 08:42 saw only "連絡可能時間外です"). The rules stay on the server: this is
    the same ContactSettings row a ward_admin edits in the admin, and every page shows
    a banner while it is in effect (web/selectors.demo_hours_banner).

    Once a person has edited the row (the admin records who), their setting stands,
    as a changed demo password does. Returns whether the row was widened now."""
    row = ContactSettings.current()
    if row.updated_by_id is not None:
        return False
    # The end of a window is exclusive (outreach/rules.py); time.max is 24:00 less a
    # microsecond, which a TimeField keeps on both databases.
    row.weekday_start = row.saturday_start = time.min
    row.weekday_end = row.saturday_end = time.max
    row.saturday_allowed = row.sunday_allowed = row.holiday_allowed = True
    row.save(
        update_fields=[
            "weekday_start",
            "weekday_end",
            "saturday_start",
            "saturday_end",
            "saturday_allowed",
            "sunday_allowed",
            "holiday_allowed",
            "updated_at",
        ]
    )
    return True


# What the demo's inbound calls were about: (outcome, summary handed to the ward).
DEMO_ESCALATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    Department.TAX: (
        ("wants_plan", "（デモ）受電: 住民税を分割で納めたい。月1万円なら払えるとのこと。"),
        ("hardship", "（デモ）受電: 失業中で納付が難しいとの申出。収入の見込みは来春。"),
        ("wants_plan", "（デモ）受電: 賞与月にまとめて納めたいとの相談。"),
    ),
    Department.NHI: (
        ("wants_plan", "（デモ）受電: 保険料を分割で納めたい。月5千円からとの希望。"),
        ("hardship", "（デモ）受電: 病気で休職中、保険料の減免について聞きたいとのこと。"),
        ("wants_plan", "（デモ）受電: 滞納分を年度内に分けて納めたいとの相談。"),
    ),
}


def _payers_of_only(department: str) -> list[int]:
    """Payers who owe only this department's levies, carry no flag and are on no call
    list (their escalation must not touch the operator's demo list)."""
    levies = DEPARTMENT_LEVIES[department]
    unpaid = Bill.objects.filter(payer=OuterRef("pk"), amount__gt=F("paid_amount"))
    return list(
        Resident.objects.filter(
            Exists(unpaid.filter(levy__in=levies)),
            caution=False,
            public_notice=False,
            not_resident=False,
            deceased_on__isnull=True,
        )
        .exclude(Exists(unpaid.exclude(levy__in=levies)))
        .exclude(Exists(CallListEntry.objects.filter(payer=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[: len(DEMO_ESCALATIONS[department])]
    )


def demo_escalations_ensure() -> dict[str, int]:
    """Gives the demo's ward staff a queue: once per department, the operator records a
    few inbound calls whose outcome hands the payer to the ward (a wish for a payment
    plan, hardship), through the same service as the call screen, which creates the
    escalation tasks. Returns the tasks created per department."""
    operator = get_user_model().objects.get(username="operator")
    created: dict[str, int] = {}
    for department, calls in DEMO_ESCALATIONS.items():
        if Task.objects.filter(department=department, kind=TaskKind.ESCALATION).exists():
            continue
        count = 0
        for payer_id, (outcome, note) in zip(_payers_of_only(department), calls, strict=False):
            contact_record_create(
                actor=operator,
                payer_id=payer_id,
                said=CallOutcome(outcome=outcome, note=note, channel=Channel.INBOUND_CALL),
                identity_verified=True,
            )
            count += 1
        created[department] = count
    return created


def demo_sms_ensure(*, now: datetime) -> None:
    """Gives the demo SMS work to look at, once: two templates the supervisor wrote and
    the ward_admin approved (Japanese with English and Chinese variants), and a small
    campaign built from them that awaits a second person's approval. Through the same
    services the SMS pages use (sms/templates.py, sms/campaigns.py)."""
    from saikoku.sms.campaigns import sms_campaign_create
    from saikoku.sms.models import SmsTemplate
    from saikoku.sms.templates import sms_template_approve, sms_template_save

    if SmsTemplate.objects.exists():
        return
    user_model = get_user_model()
    supervisor = user_model.objects.get(username="supervisor")
    admin = user_model.objects.get(username="admin")
    bodies = {
        "tax": {
            "ja": "{department}からのお知らせです。納期限を過ぎたお支払いが確認できていません。"
            "{callback_number}（{office_hours}）までお電話ください。",
            "en": "Notice from the {department}: a payment past its due date has not been "
            "confirmed. Please call {callback_number} ({office_hours}).",
            "zh": "这是{department}的通知。已过缴纳期限的款项尚未确认，请致电{callback_number}。",
        },
        "nhi": {
            "ja": "{department}からのお知らせです。{deadline}までにお支払いがない場合は"
            "{callback_number}（{office_hours}）へご連絡ください。",
            "en": "Notice from the {department}: if you cannot pay by {deadline}, please call "
            "{callback_number} ({office_hours}).",
        },
    }
    templates = []
    for department, texts in bodies.items():
        name = f"デモ: 納期限後のお知らせ（{Department(department).label}）"
        template = sms_template_save(
            actor=supervisor, name=name, department=department, texts=texts, now=now
        )
        templates.append(
            sms_template_approve(actor=admin, template=template, version=template.version, now=now)
        )
    sms_campaign_create(
        actor=supervisor,
        name="デモ: 初めての滞納者へのお知らせ",
        template=templates[0],
        filters={"levies": ["RT"], "first_time": True},
        scheduled_at=now,
        now=now,
    )
