"""Returned mail (返戻郵便): registering envelopes one by one or a scanned batch, the
address-investigation rule, the day's list for the ward and its handoff.

The rule: when a payer's unresolved returns for a department reach
settings.RETURNED_MAIL_INVESTIGATE_AFTER (2 by default: the second envelope back), the
ward department gets one address-investigation task listing the returns; later returns
join the open task rather than opening another.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from saikoku.arrears.models import Assessment
from saikoku.backoffice.models import (
    FINISHED,
    REASON_KEYS,
    ReturnedMail,
    ReturnedMailImport,
    ReturnReason,
    Task,
    TaskKind,
)
from saikoku.backoffice.services import task_create
from saikoku.core.audit import audit_record
from saikoku.core.models import DEPARTMENT_LEVIES, Department
from saikoku.people.models import Resident
from saikoku.privacy.models import CustodyDirection, CustodyMedium, QuantityUnit
from saikoku.privacy.services import custody_record

if TYPE_CHECKING:
    from saikoku.core.models import User

__all__ = [
    "Registration",
    "day_counts",
    "envelope_register",
    "mail_of_day",
    "parse_reason",
    "resolve_code",
    "returned_mail_hand_over",
    "returned_mail_register",
    "returned_mail_resolve",
]

LEVY_DEPARTMENT = {levy: dept for dept, levies in DEPARTMENT_LEVIES.items() for levy in levies}


@dataclass(frozen=True)
class Found:
    payer_id: int
    kind: str
    department: str


def normalise_code(code: str) -> str:
    """What a scanner or a hand typed, as stored: full-width characters made
    half-width (NFKC), spaces dropped."""
    text = unicodedata.normalize("NFKC", code or "")
    return "".join(text.split())


def _without_hyphens(code: str) -> str:
    return "".join(ch for ch in code if ch not in "-\u2010\u2011\u2012\u2013\u2212")


def resolve_code(code: str) -> Found | None:
    """The payer a notice number or resident number names (None: no such number).
    A notice number also names the levy, hence the department; a resident number
    gives the department of the payer's first levy."""
    code = normalise_code(code)
    if not code:
        return None
    notice = (
        Assessment.objects.filter(notice_no__in={code, _without_hyphens(code)})
        .order_by("-fiscal_year")
        .values_list("payer_id", "levy")
        .first()
    )
    if notice is not None:
        return Found(notice[0], ReturnedMail.CodeKind.NOTICE, LEVY_DEPARTMENT.get(notice[1], ""))
    payer_id = (
        Resident.objects.filter(resident_no__in={code, _without_hyphens(code)})
        .values_list("pk", flat=True)
        .first()
    )
    if payer_id is None:
        return None
    levies = set(Assessment.objects.filter(payer_id=payer_id).values_list("levy", flat=True))
    department = next(
        (dept for dept, owned in DEPARTMENT_LEVIES.items() if levies & set(owned)),
        Department.TAX.value,
    )
    return Found(payer_id, ReturnedMail.CodeKind.RESIDENT, department)


def parse_reason(value: str) -> str | None:
    """A reason from its key 1–5, its code or its Japanese name."""
    value = unicodedata.normalize("NFKC", value or "").strip()
    if value in REASON_KEYS:
        return REASON_KEYS[value]
    with translation.override("ja"):
        names = {str(reason.label): reason.value for reason in ReturnReason}
    if value in names:
        return names[value]
    return value if value in ReturnReason.values else None


@dataclass(frozen=True)
class Registration:
    mail: ReturnedMail
    duplicate: bool
    task: Task | None


def envelope_register(
    *,
    actor: User | None,
    found: Found,
    code: str,
    reason: str,
    returned_on: dt.date,
    now: dt.datetime,
    source: ReturnedMailImport | None,
) -> Registration:
    duplicate = ReturnedMail.objects.filter(
        payer_id=found.payer_id, code=code, returned_on=returned_on
    ).exists()
    mail = ReturnedMail.objects.create(
        payer_id=found.payer_id,
        code=code,
        code_kind=found.kind,
        department=found.department,
        reason=reason,
        returned_on=returned_on,
        duplicate=duplicate,
        registered_by=actor,
        registered_at=now,
        source=source,
    )
    task = None if duplicate else _investigate_if_due(actor=actor, mail=mail, now=now)
    return Registration(mail, duplicate, task)


def _investigate_if_due(*, actor: User | None, mail: ReturnedMail, now: dt.datetime) -> Task | None:
    """The address-investigation rule (see the module's docstring)."""
    returns = list(
        ReturnedMail.objects.filter(
            payer_id=mail.payer_id,
            department=mail.department,
            resolved_at__isnull=True,
            duplicate=False,
        ).order_by("returned_on", "pk")
    )
    if len(returns) < settings.RETURNED_MAIL_INVESTIGATE_AFTER:
        return None
    task = (
        Task.objects.filter(
            payer_id=mail.payer_id,
            department=mail.department,
            kind=TaskKind.ADDRESS_INVESTIGATION,
        )
        .exclude(status__in=FINISHED)
        .first()
    )
    lines = "\n".join(
        f"{m.returned_on:%Y-%m-%d} {m.get_reason_display()} {m.code}" for m in returns
    )
    if task is None:
        task = task_create(
            kind=TaskKind.ADDRESS_INVESTIGATION,
            actor=actor,
            payer_id=mail.payer_id,
            department=mail.department,
            summary=_("返戻郵便 %(count)d通:") % {"count": len(returns)} + "\n" + lines,
            now=now,
        )
    else:
        Task.objects.filter(pk=task.pk).update(
            summary=_("返戻郵便 %(count)d通:") % {"count": len(returns)} + "\n" + lines
        )
    ReturnedMail.objects.filter(pk__in=[m.pk for m in returns]).update(investigation_task=task)
    return task


def returned_mail_register(
    *,
    actor: User,
    code: str,
    reason: str,
    returned_on: dt.date | None = None,
    now: dt.datetime | None = None,
    client_addr: str = "",
) -> Registration:
    """Registers one envelope. An unknown number is refused (ValidationError with code
    "unknown_number"); the same envelope twice on one day is kept and flagged."""
    code = normalise_code(code)
    if reason not in ReturnReason.values:
        raise ValidationError(_("返戻理由を 1〜5 で選んでください。"), code="reason")
    found = resolve_code(code)
    if found is None:
        raise ValidationError(
            _("番号 %(code)s の通知書・住民は見つかりません。番号を確かめてください。")
            % {"code": code or "—"},
            code="unknown_number",
        )
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        result = envelope_register(
            actor=actor,
            found=found,
            code=code,
            reason=reason,
            returned_on=returned_on or timezone.localdate(now),
            now=now,
            source=None,
        )
        audit_record(
            actor=actor,
            action="returned_mail_register",
            object_type="resident",
            object_id=str(found.payer_id),
            client_addr=client_addr,
            detail={
                "reason": reason,
                "duplicate": result.duplicate,
                "task": result.task.pk if result.task else None,
            },
        )
    return result


def returned_mail_resolve(
    *, actor: User, mail: ReturnedMail, now: dt.datetime | None = None, client_addr: str = ""
) -> None:
    """The address question of the payer's returns is settled (all of the payer's
    unresolved returns for that department)."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        ReturnedMail.objects.filter(
            payer_id=mail.payer_id, department=mail.department, resolved_at__isnull=True
        ).update(resolved_at=now, resolved_by=actor)
        audit_record(
            actor=actor,
            action="returned_mail_resolve",
            object_type="resident",
            object_id=str(mail.payer_id),
            client_addr=client_addr,
        )


def mail_of_day(day: dt.date) -> list[ReturnedMail]:
    return list(
        ReturnedMail.objects.filter(returned_on=day)
        .select_related("payer")
        .order_by("department", "registered_at", "pk")
    )


def day_counts(*, days: int = 14, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per day (newest first) the envelopes per reason and in all."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=days - 1)
    per_day: dict[dt.date, Counter[str]] = {}
    for row in (
        ReturnedMail.objects.filter(returned_on__gte=since, returned_on__lte=today)
        .values("returned_on", "reason")
        .annotate(n=Count("pk"))
    ):
        per_day.setdefault(row["returned_on"], Counter())[row["reason"]] = row["n"]
    return [
        {
            "day": day,
            "reasons": [counts.get(r.value, 0) for r in ReturnReason],
            "total": sum(counts.values()),
        }
        for day, counts in sorted(per_day.items(), reverse=True)
    ]


def returned_mail_hand_over(
    *,
    actor: User,
    day: dt.date,
    counterpart: str = "",
    handler: str = "",
    client_addr: str = "",
) -> int:
    """The day's envelopes go back to the ward: marked handed over and written in the
    custody ledger (管理簿) in the same transaction. Returns how many."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        pending = ReturnedMail.objects.filter(returned_on=day, handed_over_at__isnull=True)
        count = pending.count()
        if not count:
            return 0
        pending.update(handed_over_at=now)
        custody_record(
            direction=CustodyDirection.HANDED_OVER,
            actor=actor,
            handler=handler,
            package_id=f"RETURNED-MAIL-{day:%Y%m%d}",
            content=_("返戻郵便 %(day)s") % {"day": f"{day:%Y-%m-%d}"},
            files=[],
            sha256="",
            medium=CustodyMedium.PAPER,
            quantity=count,
            quantity_unit=QuantityUnit.ENVELOPES,
            counterpart=counterpart,
            at=now,
        )
        audit_record(
            actor=actor,
            action="custody_record",
            object_type="returned_mail_day",
            object_id=f"{day:%Y-%m-%d}",
            client_addr=client_addr,
            detail={"quantity": count},
        )
    return count
