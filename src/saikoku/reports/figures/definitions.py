"""Every activity figure, one `register_figure` call each (and `register_ratio` for a
rate), grouped by channel in the dashboard's order. A new figure is one entry here;
docs/reports.md defines every figure in Japanese and English.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.backoffice.models import FINISHED, Task, TaskKind, TaskStatus
from saikoku.inbound.models import CallState, InboundCall, Transfer
from saikoku.outreach.models import Channel, ContactRecord, Party, Promise
from saikoku.reports.figures.registry import (
    MEAN_SECONDS,
    SUM,
    Figure,
    Ratio,
    register_figure,
    register_ratio,
)
from saikoku.sms.models import SmsMessage

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
