"""Display filters for the console: how offices read dates and amounts (CONSOLE.md).

Formatting only; no lookups and no rules live here.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from saikoku.arrears.owed import OwedLine
from saikoku.core.dates import date_examples, format_wareki
from saikoku.core.middleware import session_seconds_left
from saikoku.core.models import Department, Organisation, Role
from saikoku.core.money import format_yen
from saikoku.core.roles import Capability, user_can
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


@register.simple_tag
def date_example() -> dict[str, str]:
    """A week from today in each form a date field reads, for the field's examples:
    `{% date_example as ex %}` then ex.iso, ex.wareki, ex.short."""
    return date_examples(timezone.localdate())


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
    is_verified = getattr(user, "is_verified", None)
    return {
        # The second factor is done (django-otp); before it the layout offers no menu,
        # as the server offers no page but the MFA step (core/middleware.py).
        "verified": bool(is_verified()) if callable(is_verified) else False,
        "can_handlers": user_can(user, Capability.MANAGE_HANDLERS),
        "can_account": user_can(user, Capability.OWN_ACCOUNT),
        "can_overview": user_can(user, Capability.ADMINISTER),
        "can_search": user_can(user, Capability.WORK_WITH_PAYERS),
        "can_audit": user_can(user, Capability.READ_AUDIT),
        "can_export_results": user_can(user, Capability.EXPORT_RESULTS),
        "can_lists": user_can(user, Capability.BUILD_LISTS),
        "can_sms": user_can(user, Capability.READ_SMS),
        "can_sms_preferences": user_can(user, Capability.RECORD_SMS_PREFERENCES),
        "can_call": user_can(user, Capability.CALL),
        "can_inbound": user_can(user, Capability.ANSWER_INBOUND),
        "can_inbound_board": user_can(user, Capability.WATCH_INBOUND_BOARD),
        "can_transfers": user_can(user, Capability.WORK_DEPARTMENT_QUEUE),
        "can_tasks": user_can(user, Capability.WORK_WITH_PAYERS),
        "can_administer": user_can(user, Capability.ADMINISTER),
        "can_reports": user_can(user, Capability.READ_REPORTS),
        "can_monthly_report": user_can(user, Capability.PRODUCE_MONTHLY_REPORT),
        # What is left of the session, which is not renewed by every request.
        "session_age": session_seconds_left(context.get("request")),
        # An htmx request or the keep-alive renews the session to the full age.
        "session_max": settings.SESSION_COOKIE_AGE,
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


@register.filter
def fiscal_year_label(year: int) -> str:
    """2025年度 / FY2025"""
    return gettext("%(year)s年度") % {"year": year}


@register.filter
def late_charge_breakdown(line: OwedLine) -> SafeString | str:
    """One line saying how a bill's late charge came about, e.g.
    "2025-07-01〜2025-07-31 31日 2.4% ¥53,000 → ¥108 ／ … ／ 計 ¥1,688 → 延滞金 ¥1,600
    (100円未満切捨て)", each part kept on one screen line. Built here rather than in the
    template: a payer's ~50 lines with their segments render ten times faster as one
    filter each."""
    reason = line.why_no_charge
    if not line.segments:
        if reason == "in_time":
            return gettext("納期限内のため延滞金はかかりません")
        return gettext(
            "期別額が2,000円未満（または延滞金を課さない年度）のため延滞金はかかりません"
        )
    days = gettext("%(d)s日")
    parts = [
        f"{s.start.isoformat()}〜{s.end.isoformat()} {days % {'d': s.days}} "
        f"{s.rate_percent}% {format_yen(s.base)} → {format_yen(s.yen)}"
        for s in line.segments
    ]
    rounding = (
        gettext("1,000円未満は徴収しません")
        if reason == "under_minimum"
        else gettext("100円未満切捨て")
    )
    parts.append(
        gettext("計 %(accrued)s → 延滞金 %(charged)s（%(rounding)s）")
        % {
            "accrued": format_yen(line.accrued),
            "charged": format_yen(line.rounded),
            "rounding": rounding,
        }
    )
    if line.late_charge_paid:
        parts.append(
            gettext("納付済みの延滞金 %(paid)s を差引")
            % {"paid": format_yen(line.late_charge_paid)}
        )
    return mark_safe(  # noqa: S308 - every part is escaped just above
        " ／ ".join(f'<span class="nowrap">{escape(part)}</span>' for part in parts)
    )


_CHOICES = {"organisation": Organisation, "role": Role, "department": Department}


@register.simple_tag
def choice_label(kind: str, value: str) -> str:
    """The words for a stored choice (the handler list keeps values, not labels)."""
    if not value:
        return "—"
    try:
        return str(_CHOICES[kind](value).label)
    except (KeyError, ValueError):
        return value
