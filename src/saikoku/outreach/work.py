"""Outreach's part of "is this payer in the user's own work" (core.permissions): list
entries, callbacks and locks of the user or their teams, and their recent contacts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from saikoku.outreach.models import Callback, CallList, CallListEntry, ContactRecord

if TYPE_CHECKING:
    from saikoku.core.models import User

# An inbound call the operator took yesterday still counts as their own work today.
RECENT_CONTACT = dt.timedelta(days=1)


def has_outreach_work_for(user: User, resident_id: int) -> bool:
    teams = list(user.teams.values_list("pk", flat=True))
    mine = Q(assigned_to=user) | Q(locked_by=user) | Q(team_id__in=teams)
    if (
        CallListEntry.objects.filter(
            mine, payer_id=resident_id, call_list__status=CallList.Status.OPEN
        )
        .exclude(status=CallListEntry.Status.REMOVED)
        .exists()
    ):
        return True
    if Callback.objects.filter(
        Q(owner=user) | Q(team_id__in=teams) | Q(locked_by=user),
        payer_id=resident_id,
        status=Callback.Status.OPEN,
    ).exists():
        return True
    since = timezone.now() - RECENT_CONTACT
    return ContactRecord.objects.filter(payer_id=resident_id, operator=user, at__gte=since).exists()
