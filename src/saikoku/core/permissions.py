"""Who may see which payer: the one place that applies role and department scope.

Views never fetch a Resident themselves; they go through `payer_for_user`, which
refuses with 404 (existence itself is personal data) and writes the audit entry
(checklist: access rights on stored data, attributable access logs).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from saikoku.arrears.models import Assessment
from saikoku.core.audit import audit_record, client_address
from saikoku.people.models import Resident

# Roles that work with payers at all; the auditor reads logs only (BRIEF.md).
PAYER_ROLES = ("operator", "supervisor", "ward_staff", "ward_admin")
# Roles that read the audit log (the auditor sees no payer data beyond the log).
AUDIT_ROLES = ("auditor", "ward_admin")
# Roles that may read the reason of a caution flag (CONSOLE.md: "the reason only for
# ward staff"); the ward administrator approves contacts with such persons.
CAUTION_NOTE_ROLES = ("ward_staff", "ward_admin")


def levies_visible_to(user: Any) -> tuple[str, ...]:
    """The levy codes whose assessments, bills and accounts the user may read.

    Ward staff see their department's levies only (a tax clerk sees RT/LV bills of a
    payer even when the payer also owes NH, never the NH ones).
    """
    if not getattr(user, "is_authenticated", False):
        return ()
    return tuple(getattr(user, "levies", ()))


def payers_visible_to(user: Any) -> QuerySet[Resident]:
    """Residents the user may open: payers (residents with at least one assessment)
    of the user's levies. Auditors and users without a role see none."""
    levies = levies_visible_to(user)
    if not levies:
        return Resident.objects.none()
    return Resident.objects.filter(
        Exists(Assessment.objects.filter(payer=OuterRef("pk"), levy__in=levies))
    )


def can_see_caution_note(user: Any) -> bool:
    return getattr(user, "role", "") in CAUTION_NOTE_ROLES


def payer_for_user(
    user: Any,
    resident_id: int,
    *,
    purpose: str,
    request: HttpRequest | None = None,
    flagged: bool = False,
) -> Resident:
    """The payer with this id if the user may see them, else Http404.

    Every successful fetch is an access to personal data and is audited as
    `payer_view` with the purpose (e.g. "payer_page", "account_reveal"). `flagged`
    marks an operator's open outside their own work (a reason code was given), for the
    auditor's review.
    """
    resident = payers_visible_to(user).select_related("household").filter(pk=resident_id).first()
    if resident is None:
        raise Http404
    audit_record(
        actor=user,
        action="payer_view",
        object_type="resident",
        object_id=resident.resident_no,
        client_addr=client_address(request) if request is not None else "",
        detail={"purpose": purpose, "flagged": True} if flagged else {"purpose": purpose},
    )
    return resident


def operator_has_work_for(user: Any, resident_id: int) -> bool:
    """Whether the payer is in the operator's own work: on a list entry assigned to them
    or their team, a callback of theirs or their team's, locked to them, a task they
    created, or contacted by them in the last day (an inbound call they took).
    Opening anyone else needs a reason code (purpose-bound access, CONSOLE.md)."""
    import datetime as dt

    from django.db.models import Q
    from django.utils import timezone

    from saikoku.backoffice.models import Task
    from saikoku.outreach.models import Callback, CallListEntry, ContactRecord

    teams = list(user.teams.values_list("pk", flat=True))
    mine = Q(assigned_to=user) | Q(locked_by=user) | Q(team_id__in=teams)
    if (
        CallListEntry.objects.filter(mine, payer_id=resident_id, call_list__status="open")
        .exclude(status="removed")
        .exists()
    ):
        return True
    if Callback.objects.filter(
        Q(owner=user) | Q(team_id__in=teams) | Q(locked_by=user),
        payer_id=resident_id,
        status="open",
    ).exists():
        return True
    if Task.objects.filter(payer_id=resident_id, created_by=user).exclude(status="closed").exists():
        return True
    since = timezone.now() - dt.timedelta(days=1)
    return ContactRecord.objects.filter(payer_id=resident_id, operator=user, at__gte=since).exists()


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., Any]]:
    """View decorator: login first (redirect to the login page), then the role (403)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", "") not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


__all__ = [
    "AUDIT_ROLES",
    "CAUTION_NOTE_ROLES",
    "PAYER_ROLES",
    "can_see_caution_note",
    "levies_visible_to",
    "operator_has_work_for",
    "payer_for_user",
    "payers_visible_to",
    "role_required",
]
