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
    user: Any, resident_id: int, *, purpose: str, request: HttpRequest | None = None
) -> Resident:
    """The payer with this id if the user may see them, else Http404.

    Every successful fetch is an access to personal data and is audited as
    `payer_view` with the purpose (e.g. "payer_page", "account_reveal").
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
        detail={"purpose": purpose},
    )
    return resident


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
    "payer_for_user",
    "payers_visible_to",
    "role_required",
]
