"""Who may see which payer: the one place that applies role and department scope.

Views never fetch a Resident themselves; they go through `payer_for_user`, which
refuses with 404 (existence itself is personal data) and writes the audit entry
(checklist: access rights on stored data, attributable access logs).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django_htmx.middleware import HtmxDetails

from saikoku.arrears.models import Assessment
from saikoku.core.audit import audit_record, client_address
from saikoku.core.login_flow import login_redirect
from saikoku.core.models import User
from saikoku.core.roles import Capability, roles_with, user_can
from saikoku.people.models import Resident

# Roles that work with payers at all; the auditor reads logs only (BRIEF.md).
PAYER_ROLES = roles_with(Capability.WORK_WITH_PAYERS)
# Roles that read the audit log (the auditor sees no payer data beyond the log).
AUDIT_ROLES = roles_with(Capability.READ_AUDIT)


class AuthenticatedRequest(HttpRequest):
    """The request type of a view behind `capability_required` (or login): its user is
    a logged-in User, never AnonymousUser. For type checking only; the decorators are
    what make it true."""

    user: User
    htmx: HtmxDetails  # set by django_htmx's middleware on every request


# Whether a payer is in a user's own work: each app that hands out work (call lists,
# callbacks, tasks, contact records) registers one check here at start-up, so this
# module depends on none of them.
WorkSource = Callable[[Any, int], bool]
_WORK_SOURCES: list[WorkSource] = []


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
    return user_can(user, Capability.READ_CAUTION_NOTE)


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


def register_work_source(source: WorkSource, *, first: bool = False) -> None:
    """Add a check `source(user, resident_id) -> bool` to `operator_has_work_for`
    (called from an app's `AppConfig.ready`; registering twice adds it once). The
    checks run in order and stop at the first yes; `first` puts a cheap one ahead."""
    if source not in _WORK_SOURCES:
        _WORK_SOURCES.insert(0 if first else len(_WORK_SOURCES), source)


def unregister_work_source(source: WorkSource) -> None:
    """Remove a check added by `register_work_source` (tests that set up their own)."""
    if source in _WORK_SOURCES:
        _WORK_SOURCES.remove(source)


def operator_has_work_for(user: Any, resident_id: int) -> bool:
    """Whether the payer is in the operator's own work, by any registered source: a
    list entry assigned to them or their team, a callback, a lock, a task they created,
    a recent contact of theirs. Opening anyone else needs a reason code (purpose-bound
    access, CONSOLE.md)."""
    return any(source(user, resident_id) for source in _WORK_SOURCES)


def role_required(*roles: str) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """View decorator: login first (redirect to the login page), then the role (403)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return login_redirect(request)
            if getattr(request.user, "role", "") not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator


def capability_required(
    capability: Capability,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., Any]]:
    """View decorator: login first, then a role that has the capability (403).

    The view carries `required_capability`, so the guard tests can generate every
    URL's permission matrix from the URL configuration."""
    by_role = role_required(*roles_with(capability))

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., Any]:
        checked = by_role(view)
        checked.required_capability = capability  # type: ignore[attr-defined]
        return checked

    return decorator


__all__ = [
    "AUDIT_ROLES",
    "PAYER_ROLES",
    "AuthenticatedRequest",
    "WorkSource",
    "can_see_caution_note",
    "capability_required",
    "levies_visible_to",
    "operator_has_work_for",
    "payer_for_user",
    "payers_visible_to",
    "register_work_source",
    "role_required",
    "unregister_work_source",
]
