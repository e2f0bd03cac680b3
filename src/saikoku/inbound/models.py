"""Inbound calls (受電): the internal events from the phone system, the calls they
make up, the transfers to ward staff, and the payment guidance texts per levy.

Both ways in (the signed webhook and Asterisk AMI) turn into `CtiEvent`s; the state of
a call (`InboundCall`) is derived from them by services.call_event_apply, which
accepts them in any order and any number of times (docs/inbound.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Levy
from saikoku.core.models import Department
from saikoku.people.models import Resident


class EventKind(models.TextChoices):
    RINGING = "ringing", _("着信")
    ANSWERED = "answered", _("応答")
    ENDED = "ended", _("終話")
    TRANSFERRED = "transferred", _("転送")


class CallState(models.TextChoices):
    RINGING = "ringing", _("着信中")
    ANSWERED = "answered", _("通話中")
    ENDED = "ended", _("終話")
    ABANDONED = "abandoned", _("応答前の切断")


class CtiEvent(models.Model):
    """One event as the phone system reported it. Kept as received: the call's state
    is computed from all of a call's events, so a late or repeated one changes
    nothing it should not."""

    call_id = models.CharField(_("通話ID"), max_length=100, db_index=True)
    kind = models.CharField(_("種別"), max_length=20, choices=EventKind.choices)
    caller = models.CharField(_("発信者番号"), max_length=20, blank=True)
    dialled = models.CharField(_("着信番号"), max_length=20, blank=True)
    extension = models.CharField(_("内線"), max_length=20, blank=True)
    transfer_to = models.CharField(_("転送先"), max_length=20, blank=True)
    at = models.DateTimeField(_("日時"))
    received_at = models.DateTimeField(_("受信日時"))
    source = models.CharField(_("経路"), max_length=10)  # "webhook" | "ami"
    channel = models.CharField(_("チャネル"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("電話システムのイベント")
        verbose_name_plural = _("電話システムのイベント")
        constraints = [
            # A repeated delivery of the same event is one event.
            models.UniqueConstraint(
                fields=["call_id", "kind", "at", "extension", "transfer_to"],
                name="inbound_event_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.kind}"


class InboundCall(models.Model):
    """One call to the center, as its events describe it so far."""

    call_id = models.CharField(_("通話ID"), max_length=100, unique=True)
    state = models.CharField(_("状態"), max_length=10, choices=CallState.choices)
    # National digits ("09012345678"); "" when the caller withheld the number (非通知).
    caller = models.CharField(_("発信者番号"), max_length=20, blank=True)
    dialled = models.CharField(_("着信番号"), max_length=20, blank=True)
    extension = models.CharField(_("内線"), max_length=20, blank=True, db_index=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_calls",
    )
    ringing_at = models.DateTimeField(_("着信日時"), null=True, blank=True)
    answered_at = models.DateTimeField(_("応答日時"), null=True, blank=True)
    ended_at = models.DateTimeField(_("終話日時"), null=True, blank=True)
    transferred_to = models.CharField(_("転送先"), max_length=20, blank=True)
    # The caller's channel in Asterisk (AMI only): what a Redirect moves.
    channel = models.CharField(_("チャネル"), max_length=100, blank=True)
    # The payer the operator settled on (several may share the number).
    payer = models.ForeignKey(Resident, null=True, blank=True, on_delete=models.PROTECT)
    contact_record = models.OneToOneField(
        "outreach.ContactRecord", null=True, blank=True, on_delete=models.PROTECT
    )
    updated_at = models.DateTimeField(_("更新日時"))

    class Meta:
        verbose_name = _("受電")
        verbose_name_plural = _("受電")
        indexes = [models.Index(fields=["state", "updated_at"])]

    def __str__(self) -> str:
        return self.call_id

    @property
    def duration_seconds(self) -> int | None:
        """Talk time, from answer to end (None until both are known)."""
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(int((self.ended_at - self.answered_at).total_seconds()), 0)


class SeenSignature(models.Model):
    """Signatures accepted within the timestamp window: the same one again is a
    replay. Rows older than the window are deleted as new ones arrive."""

    signature = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.signature[:12]


class TransferReason(models.TextChoices):
    WANTS_PLAN = "wants_plan", _("分納の相談")
    HARDSHIP = "hardship", _("生活困窮の申出")
    DISPUTE = "dispute", _("賦課内容への異議")
    CONTENT = "content", _("税・保険料の内容の問合せ")
    NOT_OURS = "not_ours", _("受託者が判断できない事項")


class TransferStatus(models.TextChoices):
    RINGING = "ringing", _("転送中")
    ACCEPTED = "accepted", _("区職員が応答")
    CALLBACK = "callback", _("折返しタスクに変更")


class Transfer(models.Model):
    """A call handed to one department's ward staff: live (the phone system is asked
    to transfer it) and on screen (their queue holds the task with the summary)."""

    call = models.ForeignKey(InboundCall, on_delete=models.PROTECT, related_name="transfers")
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT)
    department = models.CharField(_("担当課"), max_length=10, choices=Department.choices)
    reason = models.CharField(_("理由"), max_length=20, choices=TransferReason.choices)
    summary = models.TextField(_("概要"))
    extension = models.CharField(_("転送先内線"), max_length=20, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.RINGING
    )
    # The task in the department's queue (backoffice.Task): the same path serves
    # outbound escalations.
    task = models.ForeignKey("backoffice.Task", null=True, blank=True, on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("応答日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("区職員への転送")
        verbose_name_plural = _("区職員への転送")
        indexes = [models.Index(fields=["department", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_department_display()} {self.call_id}"


class PaymentGuidance(models.Model):
    """How to pay one levy, as the operator reads it out (counters, bank transfer,
    convenience stores, smartphone apps, direct debit). Edited by ward_admin in the
    admin."""

    levy = models.CharField(_("税目"), max_length=2, choices=Levy.choices, unique=True)
    text = models.TextField(_("納付方法の案内"))

    class Meta:
        verbose_name = _("納付方法の案内")
        verbose_name_plural = _("納付方法の案内")

    def __str__(self) -> str:
        return self.get_levy_display()
