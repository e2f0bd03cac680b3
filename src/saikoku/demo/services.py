"""The demo start's steps, as plain functions the `demo` command strings together.

Demo only: the users get fixed, published passwords (docs/demo.md). Production creates
users through the admin with the ward's password rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from saikoku.core.models import Department, Role
from saikoku.demo.generator import PackageSummary, generate_package
from saikoku.interchange.models import ImportedPackage
from saikoku.interchange.services import ImportResult, package_import, write_report
from saikoku.outreach.lists import call_list_assign, call_list_build
from saikoku.outreach.models import CallList


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
    A password is set only when the user is created, so a changed one survives."""
    user_model = get_user_model()
    logins = []
    with transaction.atomic():
        for username, role, department in DEMO_USERS:
            user, created = user_model.objects.get_or_create(username=username)
            user.role = role
            user.department = department
            # The ward administrator manages users in Django's admin site.
            user.is_staff = user.is_superuser = role == Role.WARD_ADMIN
            user.is_active = True
            if created:
                user.set_password(demo_password(username))
            user.save()
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
