"""Writes to the incident register (インシデント管理簿; docs/security/incident.md): an
incident recorded, the payers it affected, what was done (the append-only timeline),
the report to the ward and the closing. Each is one transaction with its audit entry.

Payers are linked only when the actor may see them (core/permissions.py
`payers_visible_to`): recording an incident is no way round the department scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from saikoku.core.audit import audit_record
from saikoku.core.models import User
from saikoku.core.permissions import payers_visible_to
from saikoku.privacy.models import (
    Incident,
    IncidentAction,
    IncidentActionKind,
    IncidentPayer,
    IncidentStatus,
)

__all__ = [
    "IncidentChangeRefused",
    "PayersNotVisible",
    "incident_action_add",
    "incident_close",
    "incident_create",
    "incident_payers_add",
    "incident_report",
]


class IncidentChangeRefused(Exception):
    """The incident's status does not allow the change (reported before closing; nothing
    is added to a closed incident)."""


class PayersNotVisible(Exception):
    """Resident numbers that name no payer the actor may see (unknown or out of scope:
    the two are not told apart, existence itself is personal data)."""

    def __init__(self, numbers: Sequence[str]) -> None:
        super().__init__(", ".join(numbers))
        self.numbers = list(numbers)


def _locked(incident_id: int) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident_id)


def _timeline(
    incident: Incident, *, kind: str, at: dt.datetime, by: str, text: str, actor: User
) -> IncidentAction:
    return IncidentAction.objects.create(
        incident=incident,
        kind=kind,
        at=at,
        done_by=by,
        text=text,
        recorded_at=timezone.now(),
        recorded_by=actor,
    )


def _link_payers(incident: Incident, numbers: Sequence[str], actor: User) -> list[str]:
    """Links the payers of `numbers` not yet linked; returns their resident numbers.
    Refuses all of them when one is not visible to the actor."""
    wanted = list(dict.fromkeys(numbers))
    found = dict(
        payers_visible_to(actor).filter(resident_no__in=wanted).values_list("resident_no", "pk")
    )
    missing = [n for n in wanted if n not in found]
    if missing:
        raise PayersNotVisible(missing)
    linked = set(
        IncidentPayer.objects.filter(incident=incident).values_list("payer__resident_no", flat=True)
    )
    now = timezone.now()
    added = [n for n in wanted if n not in linked]
    IncidentPayer.objects.bulk_create(
        IncidentPayer(incident=incident, payer_id=found[n], added_at=now, added_by=actor)
        for n in added
    )
    return added


def incident_create(
    *,
    actor: User,
    title: str,
    what: str,
    occurred_at: dt.datetime,
    found_at: dt.datetime,
    found_by_name: str,
    found_by_user: User | None = None,
    kind: str,
    scope: str,
    severity: str,
    affected_count: int,
    payer_numbers: Sequence[str] = (),
    client_addr: str = "",
) -> Incident:
    """Records an incident as found (status open), with the payers it affected. The
    count of people affected is never below the payers linked."""
    with transaction.atomic(durable=True):
        now = timezone.now()
        incident = Incident.objects.create(
            title=title,
            what=what,
            occurred_at=occurred_at,
            found_at=found_at,
            found_by_name=found_by_name,
            found_by_user=found_by_user,
            kind=kind,
            scope=scope,
            severity=severity,
            affected_count=affected_count,
            created_at=now,
            created_by=actor,
        )
        added = _link_payers(incident, payer_numbers, actor)
        if len(added) > incident.affected_count:
            incident.affected_count = len(added)
            incident.save(update_fields=["affected_count"])
        # The timeline starts at the discovery (the one-hour report counts from it);
        # when the entry was made is its recorded_at.
        _timeline(
            incident,
            kind=IncidentActionKind.CREATED,
            at=found_at,
            by=found_by_name,
            text=_("発見、管理簿に登録"),
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="incident_create",
            object_type="incident",
            object_id=str(incident.pk),
            client_addr=client_addr,
            detail={
                "kind": kind,
                "severity": severity,
                "affected": incident.affected_count,
                "residents": added,
            },
        )
    return incident


def incident_payers_add(
    *, incident_id: int, actor: User, payer_numbers: Sequence[str], client_addr: str = ""
) -> list[str]:
    """Links more payers to an incident still being handled; raises the count of
    people affected to the payers linked when it was lower. Returns the numbers added."""
    with transaction.atomic(durable=True):
        incident = _locked(incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise IncidentChangeRefused(incident_id)
        added = _link_payers(incident, payer_numbers, actor)
        if not added:
            return added
        linked = IncidentPayer.objects.filter(incident=incident).count()
        if linked > incident.affected_count:
            incident.affected_count = linked
            incident.save(update_fields=["affected_count"])
        _timeline(
            incident,
            kind=IncidentActionKind.PAYERS,
            at=timezone.now(),
            by=actor.get_username(),
            text=_("対象者を%(n)s人追加（影響を受けた人数: %(count)s人）")
            % {"n": len(added), "count": incident.affected_count},
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="incident_payers_add",
            object_type="incident",
            object_id=str(incident.pk),
            client_addr=client_addr,
            detail={"residents": added, "affected": incident.affected_count},
        )
    return added


def incident_action_add(
    *,
    incident_id: int,
    actor: User,
    at: dt.datetime,
    by: str,
    text: str,
    client_addr: str = "",
) -> IncidentAction:
    """Appends what was done to the timeline. Entries are never changed or removed: a
    correction is a new entry."""
    with transaction.atomic(durable=True):
        incident = _locked(incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise IncidentChangeRefused(incident_id)
        action = _timeline(
            incident, kind=IncidentActionKind.ACTION, at=at, by=by, text=text, actor=actor
        )
        audit_record(
            actor=actor,
            action="incident_action",
            object_type="incident",
            object_id=str(incident.pk),
            client_addr=client_addr,
            detail={"entry": action.pk, "at": at.isoformat()},
        )
    return action


def incident_report(
    *,
    incident_id: int,
    actor: User,
    at: dt.datetime,
    by: str,
    to: str,
    note: str = "",
    client_addr: str = "",
) -> Incident:
    """Records a report to the ward: who reported, to whom, when. The first one (第一報)
    is kept on the incident and moves it to reported; every one is on the timeline."""
    with transaction.atomic(durable=True):
        incident = _locked(incident_id)
        if incident.status == IncidentStatus.CLOSED:
            raise IncidentChangeRefused(incident_id)
        first = incident.reported_at is None
        if first:
            incident.reported_at = at
            incident.reported_by = by
            incident.reported_to = to
            incident.status = IncidentStatus.REPORTED
            incident.save(update_fields=["reported_at", "reported_by", "reported_to", "status"])
        text = _("区へ報告（報告先: %(to)s）") % {"to": to}
        _timeline(
            incident,
            kind=IncidentActionKind.REPORTED,
            at=at,
            by=by,
            text=f"{text}\n{note}" if note else text,
            actor=actor,
        )
        audit_record(
            actor=actor,
            action="incident_report",
            object_type="incident",
            object_id=str(incident.pk),
            client_addr=client_addr,
            detail={"at": at.isoformat(), "first": first},
        )
    return incident


def incident_close(
    *,
    incident_id: int,
    actor: User,
    at: dt.datetime,
    by: str,
    summary: str,
    client_addr: str = "",
) -> Incident:
    """Closes an incident reported to the ward, with the summary of cause, actions and
    prevention. Once only; nothing is added afterwards."""
    with transaction.atomic(durable=True):
        incident = _locked(incident_id)
        if incident.status != IncidentStatus.REPORTED:
            raise IncidentChangeRefused(incident_id)
        incident.closed_at = at
        incident.closed_by = by
        incident.closing_summary = summary
        incident.status = IncidentStatus.CLOSED
        incident.save(update_fields=["closed_at", "closed_by", "closing_summary", "status"])
        _timeline(incident, kind=IncidentActionKind.CLOSED, at=at, by=by, text=summary, actor=actor)
        audit_record(
            actor=actor,
            action="incident_close",
            object_type="incident",
            object_id=str(incident.pk),
            client_addr=client_addr,
            detail={"at": at.isoformat()},
        )
    return incident
