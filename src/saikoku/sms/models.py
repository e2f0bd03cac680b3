"""SMS reminders (SMS催告): templates with their language variants, campaigns, one
message per number per campaign, the payer's language for texts, and the delivery
reports received (kept to refuse a replay).

The payer's wish not to be texted is outreach's ContactPreference.do_not_text, which
eligibility reads for every channel; the contact record of each message is outreach's
ContactRecord (channel "sms"), on the same timeline as calls.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.outreach.models import ContactRecord
from saikoku.people.models import Phone, Resident
from saikoku.sms.policy import LANGUAGES

LANGUAGE_CHOICES = [(code, label) for code, label in LANGUAGES.items()]


class SmsTemplate(models.Model):
    """A message template a supervisor writes and a ward_admin approves. Any change
    takes the approval away: only the version approved can be sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        APPROVED = "approved", _("承認済み")

    class Department(models.TextChoices):
        TAX = "tax", _("税務課")
        NHI = "nhi", _("医療保険年金課")

    name = models.CharField(_("テンプレート名"), max_length=200)
    department = models.CharField(_("担当課"), max_length=10, choices=Department.choices)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    version = models.PositiveIntegerField(_("版"), default=1)
    # Personal placeholders a ward_admin allowed for this template (audited).
    allowed_personal = models.JSONField(_("許可された個人情報の差込"), default=list, blank=True)
    # The ward's published domain a ward_admin enabled for URLs in this template.
    allowed_domain = models.CharField(_("許可された公表ドメイン"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新日時"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMSテンプレート")
        verbose_name_plural = _("SMSテンプレート")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class SmsTemplateText(models.Model):
    """The body of a template in one language (Japanese always exists)."""

    template = models.ForeignKey(SmsTemplate, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("言語"), max_length=5, choices=LANGUAGE_CHOICES)
    body = models.TextField(_("本文"))

    class Meta:
        verbose_name = _("SMSテンプレートの本文")
        verbose_name_plural = _("SMSテンプレートの本文")
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="one_text_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} {self.language}"


class SmsPayerPreference(models.Model):
    """The language an operator recorded for a payer's texts (wins over nationality)."""

    payer = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(_("SMSの言語"), max_length=5, choices=LANGUAGE_CHOICES)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("記録日時"))

    class Meta:
        verbose_name = _("SMSの言語")
        verbose_name_plural = _("SMSの言語")

    def __str__(self) -> str:
        return f"{self.payer_id} {self.language}"


class SmsCampaign(models.Model):
    """A sending of one approved template to an audience chosen with the call lists'
    filters. Created by a supervisor, approved by a second person (four eyes)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        RUNNING = "running", _("送信中")
        PAUSED = "paused", _("一時停止")
        CANCELLED = "cancelled", _("中止")
        DONE = "done", _("完了")

    name = models.CharField(_("キャンペーン名"), max_length=200)
    template = models.ForeignKey(SmsTemplate, on_delete=models.PROTECT, related_name="campaigns")
    # The template's version the messages were written from.
    template_version = models.PositiveIntegerField(_("テンプレートの版"))
    filters = models.JSONField(_("抽出条件"), default=dict)
    deadline = models.DateField(_("期限日"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    scheduled_at = models.DateTimeField(_("送信開始日時"))
    # {"caution": 12, "shared_number": 3, ...}: how many each rule kept out.
    excluded_counts = models.JSONField(_("除外件数"), default=dict)
    matched = models.PositiveIntegerField(_("抽出件数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMSキャンペーン")
        verbose_name_plural = _("SMSキャンペーン")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class SmsMessage(models.Model):
    """One message to one number. The idempotency key goes to the provider with every
    attempt, so a message resent after a worker died is not delivered twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("送信待ち")
        SENDING = "sending", _("送信処理中")
        SENT = "sent", _("送信済み")
        DELIVERED = "delivered", _("配信済み")
        FAILED = "failed", _("失敗")
        EXPIRED = "expired", _("期限切れ")
        DROPPED = "dropped", _("送信時に対象外")
        CANCELLED = "cancelled", _("中止")

    campaign = models.ForeignKey(SmsCampaign, on_delete=models.CASCADE, related_name="messages")
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    phone = models.ForeignKey(Phone, on_delete=models.PROTECT, related_name="+")
    to = models.CharField(_("宛先"), max_length=20)
    language = models.CharField(_("言語"), max_length=5)
    text = models.TextField(_("本文"))
    segments = models.PositiveSmallIntegerField(_("分割数"), default=1)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(_("送信試行回数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    error = models.CharField(_("エラー"), max_length=100, blank=True)
    carrier = models.CharField(_("通信事業者"), max_length=40, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("配信日時"), null=True, blank=True)
    contact_record = models.OneToOneField(
        ContactRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="sms"
    )

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS")
        constraints = [
            # One message per number per campaign, even when a household shares it.
            models.UniqueConstraint(fields=["campaign", "to"], name="one_message_per_number")
        ]
        indexes = [models.Index(fields=["campaign", "status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.to}"


class SmsDeliveryReport(models.Model):
    """A delivery report received at /sms/callback: its signature is unique, so the
    same signed report sent again (a replay) is refused."""

    signature = models.CharField(max_length=100, unique=True)
    received_at = models.DateTimeField()
    message = models.ForeignKey(
        SmsMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20)
    body = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("SMS配信結果")
        verbose_name_plural = _("SMS配信結果")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.status}"


class SmsRateBucket(models.Model):
    """The provider-wide send rate (SAIKOKU_SMS_RATE_PER_SECOND): a token bucket every
    worker draws from, the row locked while it draws (rate.py)."""

    provider = models.CharField(max_length=20, unique=True)
    tokens = models.FloatField(default=0.0)
    # Seconds since the epoch of the last draw (time.time(); the workers' clocks agree
    # through NTP).
    refilled_at = models.FloatField(default=0.0)

    class Meta:
        verbose_name = _("SMSの送信速度")
        verbose_name_plural = _("SMSの送信速度")

    def __str__(self) -> str:
        return self.provider
