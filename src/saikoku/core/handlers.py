"""Designated handlers (取扱責任者・取扱者): the people the contractor reports to the
ward, and the ward's own officials, as users of the console.

Services change a user and, in the same transaction, append the change to the
handler list's history (`HandlerChange`) and to the audit trail; the selectors read
the list as it stood on any day from that history alone, so a list printed for a
past date is what the ward was told then (checklist: designated handlers reported to
the ward).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from saikoku.core.audit import audit_record
from saikoku.core.models import HandlerChange, HandlerChangeKind, User

# The attributes the list shows and the history keeps, in the list's order.
HANDLER_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "organisation",
    "role",
    "department",
    "extension",
    "valid_from",
    "valid_until",
)

__all__ = [
    "HANDLER_FIELDS",
    "HandlerRow",
    "handler_change",
    "handler_changes",
    "handler_create",
    "handler_disable",
    "handler_enable",
    "handler_history_record",
    "handlers_as_of",
]


def handler_snapshot(user: User) -> dict[str, Any]:
    """The user's handler attributes as JSON, as the history keeps them."""
    return {
        "username": user.username,
        "name": f"{user.last_name} {user.first_name}".strip(),
        "organisation": user.organisation,
        "role": user.role,
        "department": user.department,
        "extension": user.extension,
        "valid_from": user.valid_from.isoformat() if user.valid_from else None,
        "valid_until": user.valid_until.isoformat() if user.valid_until else None,
        "is_active": user.is_active,
    }


def handler_history_record(
    *, user: User, actor: User | None, kind: str, fields: list[str] | None = None
) -> HandlerChange:
    """Appends one change of the list; call it inside the transaction of the change
    (also from the Django admin and the demo, so no path escapes the history)."""
    return HandlerChange.objects.create(
        at=timezone.now(),
        user=user,
        actor=actor,
        actor_name=actor.get_username() if actor is not None else "",
        kind=kind,
        fields=sorted(fields or []),
        snapshot=handler_snapshot(user),
    )


def _audit(*, actor: User, action: str, user: User, client_addr: str, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="user",
        object_id=user.username,
        client_addr=client_addr,
        detail={"role": user.role, **detail},
    )


def handler_create(
    *, actor: User, values: dict[str, Any], password: str, client_addr: str = ""
) -> User:
    """A new handler with an initial password (checked against the password policy;
    the person changes it on their own page). They enrol their authenticator at the
    first login."""
    user = User(**{name: values.get(name) for name in HANDLER_FIELDS})
    for name in ("last_name", "first_name", "extension", "department", "organisation", "role"):
        setattr(user, name, getattr(user, name) or "")
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic(durable=True):
        user.save()
        handler_history_record(user=user, actor=actor, kind=HandlerChangeKind.ADDED)
        _audit(actor=actor, action="user_create", user=user, client_addr=client_addr)
    return user


def handler_change(
    *, actor: User, user: User, values: dict[str, Any], client_addr: str = ""
) -> list[str]:
    """Changes the handler's attributes; returns the names of the fields that changed
    (nothing changed: nothing is written)."""
    changed = [
        name
        for name in HANDLER_FIELDS
        if name != "username" and name in values and getattr(user, name) != values[name]
    ]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, values[name])
    with transaction.atomic(durable=True):
        user.save(update_fields=changed)
        handler_history_record(
            user=user, actor=actor, kind=HandlerChangeKind.CHANGED, fields=changed
        )
        _audit(
            actor=actor, action="user_change", user=user, client_addr=client_addr, fields=changed
        )
    return changed


def handler_disable(*, actor: User, user: User, client_addr: str = "") -> None:
    """Takes the handler off the list: the account can no longer log in, and every
    session of it ends now. Accounts are never deleted; the audit trail names them."""
    from saikoku.core.sessions import user_sessions_end

    if not user.is_active:
        return
    user.is_active = False
    with transaction.atomic(durable=True):
        user.save(update_fields=["is_active"])
        handler_history_record(user=user, actor=actor, kind=HandlerChangeKind.REMOVED)
        ended = user_sessions_end(user)
        _audit(
            actor=actor, action="user_disable", user=user, client_addr=client_addr, sessions=ended
        )


def handler_enable(*, actor: User, user: User, client_addr: str = "") -> None:
    if user.is_active:
        return
    user.is_active = True
    with transaction.atomic(durable=True):
        user.save(update_fields=["is_active"])
        handler_history_record(user=user, actor=actor, kind=HandlerChangeKind.RESTORED)
        _audit(actor=actor, action="user_enable", user=user, client_addr=client_addr)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlerRow:
    """One line of the list on a day: the user's last snapshot up to that day."""

    user_id: int
    username: str
    name: str
    organisation: str
    role: str
    department: str
    extension: str
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    registered_at: datetime.datetime
    changed_at: datetime.datetime


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after the day, in the ward's time zone."""
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start)


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


# Organisation first (the ward's officials, then the contractor's), then the
# responsible before the handlers, then the ID.
_ROLE_ORDER = {"ward_admin": 0, "ward_staff": 1, "auditor": 2, "supervisor": 3, "operator": 4}
_ORG_ORDER = {"ward": 0, "contractor": 1}


def handlers_as_of(day: datetime.date) -> list[HandlerRow]:
    """The handler list on the day, from the history alone: everyone whose last change
    by the end of that day left them on the list (not removed) and whose validity
    period covers the day."""
    until = _end_of(day)
    upto = HandlerChange.objects.filter(at__lt=until)
    last_ids = upto.values("user_id").annotate(last=Max("pk")).values_list("last", flat=True)
    first_at = dict(
        upto.filter(kind=HandlerChangeKind.ADDED)
        .values("user_id")
        .annotate(first=Min("at"))
        .values_list("user_id", "first")
    )
    rows = []
    for change in HandlerChange.objects.filter(pk__in=list(last_ids)):
        snap = change.snapshot
        valid_from, valid_until = _date(snap.get("valid_from")), _date(snap.get("valid_until"))
        if not snap.get("is_active", True) or change.kind == HandlerChangeKind.REMOVED:
            continue
        if (valid_from and day < valid_from) or (valid_until and day > valid_until):
            continue
        rows.append(
            HandlerRow(
                user_id=change.user_id,
                username=snap.get("username", ""),
                name=snap.get("name", ""),
                organisation=snap.get("organisation", ""),
                role=snap.get("role", ""),
                department=snap.get("department", ""),
                extension=snap.get("extension", ""),
                valid_from=valid_from,
                valid_until=valid_until,
                registered_at=first_at.get(change.user_id, change.at),
                changed_at=change.at,
            )
        )
    rows.sort(
        key=lambda r: (_ORG_ORDER.get(r.organisation, 9), _ROLE_ORDER.get(r.role, 9), r.username)
    )
    return rows


def handler_changes(*, until_day: datetime.date, limit: int | None = None) -> list[HandlerChange]:
    """The list's changes up to the end of the day, newest first."""
    changes = HandlerChange.objects.filter(at__lt=_end_of(until_day)).order_by("-at", "-pk")
    return list(changes[:limit] if limit else changes)


def handler_for_admin(user_id: int) -> User:
    """The user a ward_admin manages (every user; the view checks the capability)."""
    return User.objects.get(pk=user_id)
