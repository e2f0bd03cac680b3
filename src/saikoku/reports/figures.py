"""The one registry of activity figures: each figure is one entry saying what it
counts (model, condition, the moment that places it in a period, the payer and the
operator it belongs to) and how (count, sum, mean duration). Its value, its series by
day, week or month, its split by operator and the list of records behind it are all
computed from the same queryset, so a number and its records always agree.

A new channel is one `register_figure` call per figure (and a key in CHANNELS).
docs/reports.md defines every figure in Japanese and English.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, Model, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Assessment
from saikoku.backoffice.models import FINISHED, Task, TaskKind, TaskStatus
from saikoku.core.dates import TOKYO
from saikoku.inbound.models import CallState, InboundCall, Transfer
from saikoku.outreach.models import Channel, ContactRecord, Party, Promise, Team
from saikoku.reports.scope import Scope
from saikoku.sms.models import SmsMessage

__all__ = [
    "CHANNELS",
    "FIGURES",
    "RATIOS",
    "Figure",
    "Ratio",
    "figure",
    "figure_by_operator",
    "figure_records",
    "figure_series",
    "figure_value",
    "figures_for",
    "register_figure",
    "register_ratio",
]

# The channels a figure belongs to, in the dashboard's order.
CHANNELS: dict[str, LazyText] = {
    "calls": _("架電"),
    "sms": _("SMS"),
    "inbound": _("受電"),
    "backoffice": _("事務処理"),
}

COUNT, SUM, MEAN_SECONDS = "count", "sum", "mean_seconds"


@dataclass(frozen=True)
class Figure:
    key: str
    label: LazyText
    definition: LazyText
    channel: str
    model: type[Model]
    # The moment placing a record in a period: a field path, or an expression.
    time: str | Callable[[], Any]
    # Whether `time` is a date (a due date) rather than a datetime.
    time_is_date: bool = False
    condition: Callable[[], Q | Any] | None = None
    payer: str = "payer"  # path to the payer's id ("" when the records have none)
    operator: str = ""  # path to the user the record counts for
    measure: str = COUNT
    # SUM: the field summed; MEAN_SECONDS: (from, to) datetime fields.
    fields: tuple[str, ...] = ()
    unit: str = "count"  # count | yen | seconds
    # Columns shown in the list of records behind the figure (field paths).
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ratio:
    """A rate between two figures of the same channel; its records are the
    numerator's."""

    key: str
    label: LazyText
    definition: LazyText
    numerator: str
    denominator: str
    channel: str = field(default="")


FIGURES: dict[str, Figure] = {}
RATIOS: dict[str, Ratio] = {}


def register_figure(figure: Figure) -> Figure:
    if figure.channel not in CHANNELS:
        raise ValueError(f"unknown channel {figure.channel!r}")
    FIGURES[figure.key] = figure
    return figure


def register_ratio(ratio: Ratio) -> Ratio:
    channel = FIGURES[ratio.numerator].channel
    RATIOS[ratio.key] = Ratio(
        ratio.key, ratio.label, ratio.definition, ratio.numerator, ratio.denominator, channel
    )
    return RATIOS[ratio.key]


def figure(key: str) -> Figure:
    return FIGURES[key]


def figures_for(scope: Scope) -> list[Figure]:
    """The figures of the scope's channel (every channel when none is chosen)."""
    return [f for f in FIGURES.values() if not scope.channel or f.channel == scope.channel]


# --- computing -----------------------------------------------------------------------


def _time_field(fig: Figure) -> str:
    return fig.time if isinstance(fig.time, str) else "_moment"


def _base(fig: Figure) -> QuerySet:
    qs = fig.model._default_manager.all()
    if not isinstance(fig.time, str):
        qs = qs.annotate(_moment=fig.time())
    if fig.condition is not None:
        qs = qs.filter(fig.condition())
    return qs


def figure_queryset(fig: Figure, scope: Scope) -> QuerySet:
    """The records the figure counts in the scope (the one place a scope applies)."""
    qs = _base(fig)
    moment = _time_field(fig)
    if fig.time_is_date:
        qs = qs.filter(**{f"{moment}__gte": scope.start, f"{moment}__lte": scope.end})
    else:
        first, after = scope.moments()
        qs = qs.filter(**{f"{moment}__gte": first, f"{moment}__lt": after})
    if scope.restricts_levies:
        if not fig.payer or not scope.levies:
            return qs.none()
        qs = qs.filter(
            Exists(Assessment.objects.filter(payer=OuterRef(fig.payer), levy__in=scope.levies))
        )
    if scope.team_id is not None or scope.operator_id is not None:
        if not fig.operator:
            return qs.none()
        if scope.team_id is not None:
            members = Team.members.through.objects.filter(team_id=scope.team_id).values("user_id")
            qs = qs.filter(**{f"{fig.operator}__in": members})
        if scope.operator_id is not None:
            qs = qs.filter(**{fig.operator: scope.operator_id})
    return qs


def _measure(fig: Figure, qs: QuerySet) -> int | float | None:
    if fig.measure == COUNT:
        return qs.count()
    if fig.measure == SUM:
        return qs.aggregate(v=Coalesce(Sum(fig.fields[0]), 0))["v"]
    return _mean_seconds(qs.values_list(*fig.fields))


def _mean_seconds(pairs: Iterable[tuple[dt.datetime | None, dt.datetime | None]]) -> float | None:
    # In Python rather than SQL: a duration's average differs between the two engines.
    seconds = [(b - a).total_seconds() for a, b in pairs if a is not None and b is not None]
    return round(sum(seconds) / len(seconds), 1) if seconds else None


def figure_value(key: str, scope: Scope) -> int | float | None:
    """The figure over the scope (None: a mean over no record)."""
    if key in RATIOS:
        return ratio_value(key, scope)
    fig = FIGURES[key]
    return _measure(fig, figure_queryset(fig, scope))


def ratio_value(key: str, scope: Scope) -> float | None:
    ratio = RATIOS[key]
    top = figure_value(ratio.numerator, scope)
    bottom = figure_value(ratio.denominator, scope)
    if not bottom:
        return None
    return round(100 * float(top or 0) / float(bottom), 1)


TRUNC = {"day": TruncDate, "week": TruncWeek, "month": TruncMonth}


def figure_series(key: str, scope: Scope, *, by: str = "day") -> dict[dt.date, int | float]:
    """The figure per day, week (from Monday) or month of the scope, in Tokyo time:
    every bucket present, zero where nothing happened."""
    fig = FIGURES[key]
    qs = figure_queryset(fig, scope)
    moment = _time_field(fig)
    out: dict[dt.date, int | float] = dict.fromkeys(_buckets(scope, by), 0)
    if fig.time_is_date and fig.measure != MEAN_SECONDS:
        # Dates are bucketed here: SQLite cannot truncate a date column to its week.
        for day, *values in qs.values_list(moment, *fig.fields[:1]):
            key = _bucket_of(day, by)
            out[key] += 1 if fig.measure == COUNT else (values[0] or 0)
        return out
    bucket = TRUNC[by](moment, tzinfo=TOKYO)
    rows = qs.annotate(_bucket=bucket).values("_bucket").order_by()
    if fig.measure == COUNT:
        grouped = rows.annotate(v=Count("pk")).values_list("_bucket", "v")
    elif fig.measure == SUM:
        grouped = rows.annotate(v=Sum(fig.fields[0])).values_list("_bucket", "v")
    else:
        pairs: dict[dt.date, list] = defaultdict(list)
        for b, a, z in qs.annotate(_bucket=bucket).values_list("_bucket", *fig.fields):
            pairs[_as_date(b)].append((a, z))
        grouped = [(b, _mean_seconds(p) or 0) for b, p in pairs.items()]
    for b, v in grouped:
        out[_as_date(b)] = v or 0
    return out


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return (value.astimezone(TOKYO) if value.tzinfo else value).date()
    return value


def _bucket_of(day: dt.date, by: str) -> dt.date:
    if by == "week":
        return day - dt.timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _buckets(scope: Scope, by: str) -> list[dt.date]:
    seen: list[dt.date] = []
    for day in scope.days():
        day = _bucket_of(day, by)
        if not seen or seen[-1] != day:
            seen.append(day)
    return seen


def figure_by_operator(key: str, scope: Scope) -> dict[int, int | float]:
    """The figure per operator (user id) in the scope; ratios from their parts."""
    if key in RATIOS:
        ratio = RATIOS[key]
        top = figure_by_operator(ratio.numerator, scope)
        bottom = figure_by_operator(ratio.denominator, scope)
        return {user: round(100 * top.get(user, 0) / n, 1) for user, n in bottom.items() if n}
    fig = FIGURES[key]
    if not fig.operator:
        return {}
    if fig.measure == MEAN_SECONDS:
        by_user: dict[int, list] = defaultdict(list)
        for user, a, z in figure_queryset(fig, scope).values_list(fig.operator, *fig.fields):
            by_user[user].append((a, z))
        return {u: _mean_seconds(p) or 0 for u, p in by_user.items() if u is not None}
    qs = figure_queryset(fig, scope).values(fig.operator).order_by()
    total = Count("pk") if fig.measure == COUNT else Sum(fig.fields[0])
    rows = qs.annotate(v=total).values_list(fig.operator, "v")
    return {user: v or 0 for user, v in rows if user is not None}


def figure_records(key: str, scope: Scope) -> QuerySet:
    """The records behind a figure (a ratio's: its numerator's), newest first."""
    fig = FIGURES[RATIOS[key].numerator] if key in RATIOS else FIGURES[key]
    return figure_queryset(fig, scope).order_by(f"-{_time_field(fig)}", "-pk")


def record_moment(key: str, record: Model) -> dt.date | dt.datetime | None:
    fig = FIGURES[RATIOS[key].numerator] if key in RATIOS else FIGURES[key]
    value: Any = record
    for part in _time_field(fig).split("__"):
        value = getattr(value, part, None)
    return value


# --- the figures ------------------------------------------------------------------------
# Contact records count once per contact: a correction (`amends`) is not a contact.


def _calls() -> Q:
    return Q(channel=Channel.OUTBOUND_CALL, amends__isnull=True)


register_figure(
    Figure(
        "calls_attempted",
        _("架電数"),
        _("期間中に記録された架電（訂正の記録は数えない）。"),
        "calls",
        ContactRecord,
        "at",
        condition=_calls,
        operator="operator",
        detail=("outcome", "party"),
    )
)
register_figure(
    Figure(
        "calls_right_party",
        _("本人接触数"),
        _("架電のうち、応対者が本人であったもの（本人接触）。"),
        "calls",
        ContactRecord,
        "at",
        condition=lambda: _calls() & Q(party=Party.SELF),
        operator="operator",
        detail=("outcome", "party"),
    )
)
register_ratio(
    Ratio(
        "calls_contact_rate",
        _("本人接触率（%）"),
        _("本人接触数 ÷ 架電数 × 100。"),
        "calls_right_party",
        "calls_attempted",
    )
)
register_figure(
    Figure(
        "promises_made",
        _("納付約束数"),
        _("期間中の架電・受電で得た納付約束（記録の訂正で取り消されたものを除く）。"),
        "calls",
        Promise,
        "contact_record__at",
        condition=lambda: ~Q(status=Promise.Status.CANCELLED),
        operator="contact_record__operator",
        detail=("promised_on", "amount", "status"),
    )
)
register_figure(
    Figure(
        "promises_kept",
        _("約束の履行数"),
        _("約束日が期間中にあり、履行と判定された納付約束。"),
        "calls",
        Promise,
        "promised_on",
        time_is_date=True,
        condition=lambda: Q(status=Promise.Status.KEPT),
        operator="contact_record__operator",
        detail=("promised_on", "amount", "status"),
    )
)
register_figure(
    Figure(
        "promises_broken",
        _("約束の不履行数"),
        _("約束日が期間中にあり、不履行と判定された納付約束。"),
        "calls",
        Promise,
        "promised_on",
        time_is_date=True,
        condition=lambda: Q(status=Promise.Status.BROKEN),
        operator="contact_record__operator",
        detail=("promised_on", "amount", "status"),
    )
)
register_figure(
    Figure(
        "promises_amount",
        _("約束金額"),
        _("期間中に得た納付約束（取消を除く）の金額の合計。"),
        "calls",
        Promise,
        "contact_record__at",
        condition=lambda: ~Q(status=Promise.Status.CANCELLED),
        operator="contact_record__operator",
        measure=SUM,
        fields=("amount",),
        unit="yen",
        detail=("promised_on", "amount", "status"),
    )
)

# SMS: a message counts when the provider took it (sent_at); one that failed before
# that counts on its campaign's start.
register_figure(
    Figure(
        "sms_sent",
        _("SMS送信数"),
        _("期間中に送信事業者・機器が受け付けたSMS。"),
        "sms",
        SmsMessage,
        "sent_at",
        condition=lambda: Q(sent_at__isnull=False),
        operator="campaign__created_by",
        detail=("status", "segments"),
    )
)
register_figure(
    Figure(
        "sms_delivered",
        _("SMS配信数"),
        _("期間中に送信したSMSのうち、配信済みの報告があったもの。"),
        "sms",
        SmsMessage,
        "sent_at",
        condition=lambda: Q(status=SmsMessage.Status.DELIVERED),
        operator="campaign__created_by",
        detail=("status", "delivered_at"),
    )
)
register_figure(
    Figure(
        "sms_failed",
        _("SMS失敗数"),
        _("失敗・期限切れとなったSMS（送信日時、なければキャンペーンの送信開始日時で数える）。"),
        "sms",
        SmsMessage,
        lambda: Coalesce("sent_at", "campaign__scheduled_at"),
        condition=lambda: Q(status__in=(SmsMessage.Status.FAILED, SmsMessage.Status.EXPIRED)),
        operator="campaign__created_by",
        detail=("status", "error"),
    )
)
register_ratio(
    Ratio(
        "sms_delivery_rate",
        _("SMS配信率（%）"),
        _("SMS配信数 ÷ SMS送信数 × 100。"),
        "sms_delivered",
        "sms_sent",
    )
)

register_figure(
    Figure(
        "inbound_calls",
        _("受電数"),
        _("期間中に着信した受電。"),
        "inbound",
        InboundCall,
        "ringing_at",
        operator="operator",
        detail=("state", "transferred_to"),
    )
)
register_figure(
    Figure(
        "inbound_answered",
        _("受電の応答数"),
        _("着信のうち、オペレーターが応答したもの。"),
        "inbound",
        InboundCall,
        "ringing_at",
        condition=lambda: Q(answered_at__isnull=False),
        operator="operator",
        detail=("state", "answered_at"),
    )
)
register_figure(
    Figure(
        "inbound_abandoned",
        _("受電の放棄数"),
        _("応答前に相手が切断した着信。"),
        "inbound",
        InboundCall,
        "ringing_at",
        condition=lambda: Q(state=CallState.ABANDONED),
        operator="operator",
        detail=("state", "ended_at"),
    )
)
register_figure(
    Figure(
        "inbound_transferred",
        _("区職員への転送数"),
        _("応答した受電のうち、区職員へ転送したもの。"),
        "inbound",
        InboundCall,
        "ringing_at",
        condition=lambda: Exists(Transfer.objects.filter(call=OuterRef("pk"))),
        operator="operator",
        detail=("state", "transferred_to"),
    )
)
register_figure(
    Figure(
        "inbound_wait_seconds",
        _("平均待ち時間（秒）"),
        _("応答した受電の、着信から応答までの秒数の平均。"),
        "inbound",
        InboundCall,
        "ringing_at",
        condition=lambda: Q(answered_at__isnull=False),
        operator="operator",
        measure=MEAN_SECONDS,
        fields=("ringing_at", "answered_at"),
        unit="seconds",
        detail=("answered_at",),
    )
)
register_figure(
    Figure(
        "inbound_handling_seconds",
        _("平均通話時間（秒）"),
        _("応答して終話した受電の、応答から終話までの秒数の平均。"),
        "inbound",
        InboundCall,
        "ringing_at",
        condition=lambda: Q(answered_at__isnull=False, ended_at__isnull=False),
        operator="operator",
        measure=MEAN_SECONDS,
        fields=("answered_at", "ended_at"),
        unit="seconds",
        detail=("answered_at", "ended_at"),
    )
)

register_figure(
    Figure(
        "tasks_created",
        _("タスクの発生数"),
        _("期間中に作成されたタスク（区職員への引継ぎ・事務処理のすべての種別）。"),
        "backoffice",
        Task,
        "created_at",
        operator="created_by",
        detail=("kind", "status", "due_on"),
    )
)
register_figure(
    Figure(
        "escalations",
        _("区職員への引継ぎ数"),
        _("期間中に作成された、区職員への引継ぎのタスク。"),
        "backoffice",
        Task,
        "created_at",
        condition=lambda: Q(kind=TaskKind.ESCALATION),
        operator="created_by",
        detail=("kind", "reason", "status"),
    )
)
register_figure(
    Figure(
        "tasks_done",
        _("タスクの完了数"),
        _("期間中に完了したタスク（取消を除く）。"),
        "backoffice",
        Task,
        "closed_at",
        condition=lambda: Q(status=TaskStatus.DONE),
        operator="closed_by",
        detail=("kind", "due_on", "closed_at"),
    )
)
register_figure(
    Figure(
        "tasks_overdue",
        _("期限超過のタスク数"),
        _(
            "期限が期間中にあり、期限を過ぎても完了していない（または期限の翌日以降に"
            "完了した）タスク。取消を除き、期限が今日以降のものは数えない。"
        ),
        "backoffice",
        Task,
        "due_on",
        time_is_date=True,
        condition=lambda: (
            ~Q(status=TaskStatus.CANCELLED)
            & Q(due_on__lt=timezone.localdate())
            & (
                Q(closed_at__isnull=True)
                | Q(closed_at__date__gt=F("due_on"))
                | ~Q(status__in=FINISHED)
            )
        ),
        operator="assignee",
        detail=("kind", "status", "due_on", "closed_at"),
    )
)
