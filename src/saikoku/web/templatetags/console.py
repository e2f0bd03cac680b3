"""Display filters for the console: how offices read dates and amounts (CONSOLE.md).

Formatting only; no lookups and no rules live here.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from saikoku.core.dates import format_wareki
from saikoku.core.money import format_yen
from saikoku.core.permissions import AUDIT_ROLES, PAYER_ROLES
from saikoku.web.forms import AUDIT_ACTIONS

register = template.Library()


@register.filter
def wareki(value: date | datetime | None) -> str:
    """令和7年6月30日 (2025); an aware datetime is shown in Asia/Tokyo."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_wareki(value)


@register.filter
def yen(value: int | None) -> str:
    """¥123,456"""
    if value is None or value == "":
        return ""
    return format_yen(int(value))


@register.simple_tag(takes_context=True)
def console_context(context: template.Context) -> dict[str, object]:
    """What the layout needs to know about the user: the navigation shows only what
    the role may use (the server refuses the rest anyway)."""
    user = context.get("user")
    role = getattr(user, "role", "") if user is not None else ""
    return {
        "can_search": role in PAYER_ROLES,
        "can_audit": role in AUDIT_ROLES,
        "session_age": settings.SESSION_COOKIE_AGE,
    }


@register.simple_tag
def action_label(action: str) -> str:
    """The words for an audit action name (the name itself when unknown)."""
    return str(AUDIT_ACTIONS.get(action, action))


# The bill table repeats these on every row of a payer with many periods; plain filters
# render several times faster than a {% blocktranslate %} per cell.
@register.filter
def period_label(period: int) -> str:
    """第3期 / Period 3"""
    return gettext("第%(n)s期") % {"n": period}


@register.filter
def days_label(days: int) -> str:
    """61日 / 61 days; a dash when nothing is overdue."""
    if not days:
        return "—"
    return gettext("%(d)s日") % {"d": days}
