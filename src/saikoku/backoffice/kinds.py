"""The one registry of task kinds: what each kind is called, who may work it, when it
is due and where it goes. Queues, permissions and due dates read this table; nothing
else decides by kind.

A later feature adds a kind with ONE call, from its app's `AppConfig.ready`:

    register_task_kind(TaskKindSpec("sms_bounce", _("SMS不達の確認"),
                                    capability=Capability.WORK_TASKS, due_days=3))

and creates its tasks with `backoffice.services.task_create(kind="sms_bounce", ...)`.
The model's `kind` field takes its choices from this registry (a callable), so a new
kind needs no migration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from saikoku.core.roles import Capability

__all__ = [
    "TASK_KINDS",
    "TaskKindSpec",
    "default_due_on",
    "kind_spec",
    "register_task_kind",
    "task_kind_choices",
]


@dataclass(frozen=True)
class TaskKindSpec:
    code: str
    label: str | Promise
    # Who may work a task of this kind: WORK_DEPARTMENT_QUEUE (the ward staff of the
    # task's department) or WORK_TASKS (the center's operators and supervisors).
    capability: Capability
    # Days from creation to the default due date (calendar days).
    due_days: int
    # The outreach.Team (by name) a new task of the kind is given to when that team
    # exists; "" leaves it to the supervisor (or the ward department's queue).
    team: str = ""

    @property
    def for_ward(self) -> bool:
        """The ward department's work (the task's department decides whose)."""
        return self.capability == Capability.WORK_DEPARTMENT_QUEUE


TASK_KINDS: dict[str, TaskKindSpec] = {}


def register_task_kind(spec: TaskKindSpec) -> TaskKindSpec:
    """Adds a kind (or replaces one of the same code, so a reload stays harmless)."""
    if len(spec.code) > 40:
        raise ValueError(f"task kind code longer than 40 characters: {spec.code!r}")
    TASK_KINDS[spec.code] = spec
    return spec


def kind_spec(code: str) -> TaskKindSpec:
    try:
        return TASK_KINDS[code]
    except KeyError:
        raise ValueError(f"unknown task kind {code!r}: register it in backoffice.kinds") from None


def task_kind_choices() -> list[tuple[str, str | Promise]]:
    """The model field's choices, read at use so registered kinds are included."""
    return [(spec.code, spec.label) for spec in TASK_KINDS.values()]


def default_due_on(code: str, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=kind_spec(code).due_days)


# The due date of a task made without task_create (a fixture, the admin): five days,
# the ward's usual answer time; task_create always gives the kind's own.
FALLBACK_DUE_DAYS = 5


def fallback_due_on() -> dt.date:
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=FALLBACK_DUE_DAYS)


W, C = Capability.WORK_DEPARTMENT_QUEUE, Capability.WORK_TASKS
for _spec in (
    # Plans, hardship and disputes are the ward's to decide (CONSOLE.md, ward staff).
    TaskKindSpec("escalation", _("区職員への引継ぎ"), capability=W, due_days=5),
    # Only the ward's payment records can confirm a payment the payer says was made.
    TaskKindSpec("verify_payment", _("納付済み申出の確認"), capability=W, due_days=5),
    TaskKindSpec("address_change", _("転居情報の確認"), capability=W, due_days=5),
    TaskKindSpec("deceased", _("死亡情報の確認"), capability=W, due_days=5),
    # A second returned envelope: the ward looks the address up (住民票・実態調査).
    TaskKindSpec("address_investigation", _("住所調査"), capability=W, due_days=10),
    TaskKindSpec("reissue_slip", _("納付書の再発行"), capability=C, due_days=3),
    TaskKindSpec("number_wrong", _("電話番号誤りの申出"), capability=C, due_days=5),
    TaskKindSpec("inquiry_overdue", _("照会の回答期限超過"), capability=C, due_days=3),
    TaskKindSpec("returned_mail_followup", _("返戻郵便の追跡"), capability=C, due_days=5),
):
    register_task_kind(_spec)
del W, C, _spec
