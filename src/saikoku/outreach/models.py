"""Outbound and inbound contact with payers: settings, call lists, contact records,
promises, callbacks. The rules themselves live in plain modules beside this one
(eligibility.py, priority.py, rules.py); these are the records.

One models module for the whole app (one migrations history): the sub-packages
(lists/, calls/, records/, results/) read and write these models through their own
services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.people.models import Phone, Resident
from saikoku.privacy.fields import EncryptedTextField


class ContactSettings(models.Model):
    """The contact rules a ward_admin configures (one row, pk=1). Defaults follow the
    ward's guidance: weekdays 9–20, Saturdays 9–17, never Sundays, holidays or
    12/29–1/3."""

    weekday_start = models.TimeField(_("平日の開始時刻"), default="09:00")
    weekday_end = models.TimeField(_("平日の終了時刻"), default="20:00")
    saturday_allowed = models.BooleanField(_("土曜日の架電"), default=True)
    saturday_start = models.TimeField(_("土曜日の開始時刻"), default="09:00")
    saturday_end = models.TimeField(_("土曜日の終了時刻"), default="17:00")
    sunday_allowed = models.BooleanField(_("日曜日の架電"), default=False)
    holiday_allowed = models.BooleanField(_("祝日・年末年始の架電"), default=False)
    max_attempts_per_day = models.PositiveSmallIntegerField(_("1日の最大接触回数"), default=3)
    max_attempts_per_week = models.PositiveSmallIntegerField(_("1週間の最大接触回数"), default=8)
    min_gap_minutes = models.PositiveIntegerField(_("接触の最小間隔（分）"), default=120)
    cool_down_days = models.PositiveSmallIntegerField(_("本人接触後に一覧から外す日数"), default=7)
    busy_retry_minutes = models.PositiveIntegerField(_("話中の再架電（分）"), default=5)
    no_answer_retry_minutes = models.PositiveIntegerField(_("不在の再架電（分）"), default=60)
    callback_fallback_minutes = models.PositiveIntegerField(
        _("個人の折返し予定をチームに戻すまで（分）"), default=30
    )
    lock_minutes = models.PositiveSmallIntegerField(_("架電ロックの有効時間（分）"), default=15)
    promise_grace_days = models.PositiveSmallIntegerField(_("納付約束の猶予日数"), default=3)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("接触ルール")
        verbose_name_plural = _("接触ルール")

    def __str__(self) -> str:
        return str(_("接触ルール"))

    @classmethod
    def current(cls) -> ContactSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class Team(models.Model):
    name = models.CharField(_("チーム名"), max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        verbose_name = _("チーム")
        verbose_name_plural = _("チーム")

    def __str__(self) -> str:
        return self.name


class ContactPreference(models.Model):
    """What the payer asked for: no calls, no texts."""

    payer = models.OneToOneField(
        Resident, on_delete=models.CASCADE, related_name="contact_preference"
    )
    do_not_call = models.BooleanField(_("架電不可"), default=False)
    do_not_text = models.BooleanField(_("SMS不可"), default=False)
    note = models.TextField(_("備考"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("連絡に関する希望")
        verbose_name_plural = _("連絡に関する希望")

    def __str__(self) -> str:
        return str(self.payer_id)


class PhoneStatus(models.Model):
    """What the center learned about a number (not in service, wrong number). Kept
    apart from Phone, which the ward's next package overwrites."""

    class Status(models.TextChoices):
        NOT_IN_SERVICE = "not_in_service", _("現在使われていない")
        WRONG_NUMBER = "wrong_number", _("別人の番号")

    phone = models.OneToOneField(Phone, on_delete=models.CASCADE, related_name="center_status")
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices)
    recorded_at = models.DateTimeField(_("記録日時"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("電話番号の状態")
        verbose_name_plural = _("電話番号の状態")

    def __str__(self) -> str:
        return f"{self.phone_id} {self.status}"


class ContactApproval(models.Model):
    """A ward_admin's explicit, audited approval to contact one payer whom the
    eligibility rules exclude (e.g. a caution flag), with the reason."""

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="contact_approvals")
    rule = models.CharField(_("対象の除外理由"), max_length=30)
    reason = models.TextField(_("承認理由"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    approved_at = models.DateTimeField(_("承認日時"))
    valid_until = models.DateField(_("有効期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("接触承認")
        verbose_name_plural = _("接触承認")

    def __str__(self) -> str:
        return f"{self.payer_id} {self.rule}"


class CallList(models.Model):
    """A call list (架電リスト) a supervisor built from filters."""

    class Status(models.TextChoices):
        OPEN = "open", _("実施中")
        CLOSED = "closed", _("終了")

    name = models.CharField(_("リスト名"), max_length=200)
    filters = models.JSONField(_("抽出条件"), default=dict)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("作成日時"))
    # {"caution": 12, "public_notice": 3, ...}: how many the rules kept out, by rule.
    excluded_counts = models.JSONField(_("除外件数"), default=dict)

    class Meta:
        verbose_name = _("架電リスト")
        verbose_name_plural = _("架電リスト")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class CallListEntry(models.Model):
    """One payer on one list. Excluded payers are kept with their reasons so the list
    can say, per payer, why they are not called."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未架電")
        RETRY = "retry", _("再架電待ち")
        DONE = "done", _("完了")
        EXCLUDED = "excluded", _("対象外")
        REMOVED = "removed", _("リストから除外")

    # No single-column indexes on call_list and payer: the unique constraint and the
    # (payer, status) index start with them, and every index costs a build of 45,000
    # entries its share (bench/call_list_bench.py).
    # No database foreign-key constraint on these two either: PostgreSQL checks one per
    # row at commit by locking the referenced row (SELECT … FOR KEY SHARE), ≈1.3 s of a
    # 45,000-entry build, for references the build has just read from the same
    # database. Django still enforces CASCADE and PROTECT, residents are never deleted
    # by an import, and lists are deleted only through Django.
    call_list = models.ForeignKey(
        CallList,
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,
        db_constraint=False,
    )
    payer = models.ForeignKey(
        Resident,
        on_delete=models.PROTECT,
        related_name="call_entries",
        db_index=False,
        db_constraint=False,
    )
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices)
    priority = models.IntegerField(_("優先度"), default=0)
    # {"early": 40, "amount": 12, "time_bar": 0, "broken_promise": 10, "levies": 5}
    score_parts = models.JSONField(_("優先度の内訳"), default=dict)
    # Rule codes that exclude the payer (eligibility.py); empty for callable entries.
    excluded_reasons = models.JSONField(_("除外理由"), default=list)
    removed_reason = models.CharField(_("除外の理由"), max_length=30, blank=True)
    # Queries find assigned entries through the (status, assigned_to / team, priority)
    # indexes; an index of their own would only serve deleting a user or a team.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_entries",
        db_index=False,
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    # The lock an operator holds while working the payer ("Next"); expires by itself.
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="locked_entries",
        db_index=False,  # the partial index entry_locked_by below
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("次回架電可能日時"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("架電回数"), default=0)
    last_outcome = models.CharField(_("直近の結果"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("架電リスト明細")
        verbose_name_plural = _("架電リスト明細")
        constraints = [
            models.UniqueConstraint(fields=["call_list", "payer"], name="payer_once_per_list")
        ]
        # "Next" looks for entries assigned to an operator or a team, and for the locks
        # an operator holds: partial indexes of just those rows, so that building a
        # list (45,000 entries nobody has yet) writes none of them.
        indexes = [
            models.Index(
                fields=["status", "assigned_to", "priority"],
                condition=models.Q(assigned_to__isnull=False),
                name="entry_assigned_by_priority",
            ),
            models.Index(
                fields=["status", "team", "priority"],
                condition=models.Q(team__isnull=False),
                name="entry_team_by_priority",
            ),
            models.Index(
                fields=["locked_by"],
                condition=models.Q(locked_by__isnull=False),
                name="entry_locked_by",
            ),
            models.Index(fields=["payer", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.call_list_id}:{self.payer_id}"


# Entries still to be worked: "Next" hands them out, assignment gives them, a payment
# takes them off the list.
WORKABLE = (CallListEntry.Status.PENDING, CallListEntry.Status.RETRY)


class Channel(models.TextChoices):
    OUTBOUND_CALL = "outbound_call", _("架電")
    INBOUND_CALL = "inbound_call", _("受電")
    SMS = "sms", _("SMS")
    MAIL = "mail", _("郵便")
    OTHER = "other", _("その他")


class Party(models.TextChoices):
    SELF = "self", _("本人")
    FAMILY = "family", _("家族")
    OTHER = "other", _("その他の方")
    NONE = "none", _("応答なし")


class ContactRecord(models.Model):
    """A contact record (交渉記録). Immutable once written: no service updates or deletes
    one; a correction is a new record whose `amends` points to the original."""

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="contact_records")
    at = models.DateTimeField(_("日時"), db_index=True)
    channel = models.CharField(_("経路"), max_length=20, choices=Channel.choices)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    phone = models.ForeignKey(Phone, null=True, blank=True, on_delete=models.PROTECT)
    phone_e164 = models.CharField(_("電話番号"), max_length=20, blank=True)
    party = models.CharField(_("応対者"), max_length=10, choices=Party.choices)
    identity_verified = models.BooleanField(_("本人確認済み"), default=False)
    # Stable outcome code (outreach/outcomes.py), never a display text.
    outcome = models.CharField(_("結果"), max_length=30)
    promise_on = models.DateField(_("約束日"), null=True, blank=True)
    promise_amount = models.BigIntegerField(_("約束金額"), null=True, blank=True)
    note = EncryptedTextField(_("メモ"), blank=True)  # encrypted at rest
    call_list_entry = models.ForeignKey(
        CallListEntry, null=True, blank=True, on_delete=models.PROTECT
    )
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments"
    )

    class Meta:
        verbose_name = _("交渉記録")
        verbose_name_plural = _("交渉記録")
        ordering = ["-at"]
        indexes = [models.Index(fields=["payer", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.outcome}"


class Promise(models.Model):
    """A promise to pay (納付約束): kept when later payments cover the amount by the
    date plus the grace days, otherwise broken on the day after.

    A correction of the contact record (records.services.contact_record_amend) changes
    the promise's date and amount, the earlier values kept in `amended_from`, or
    cancels it when the correction says no promise was made."""

    class Status(models.TextChoices):
        OPEN = "open", _("約束中")
        KEPT = "kept", _("履行")
        BROKEN = "broken", _("不履行")
        CANCELLED = "cancelled", _("取消（記録の訂正）")

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="promises")
    contact_record = models.OneToOneField(ContactRecord, on_delete=models.PROTECT)
    promised_on = models.DateField(_("約束日"))
    amount = models.BigIntegerField(_("約束金額"))
    # What the payer owed when promising, so later payments can be compared with it.
    balance_at_promise = models.BigIntegerField(_("約束時の未納額"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    evaluated_at = models.DateTimeField(_("判定日時"), null=True, blank=True)
    # The promise as it stood before each correction, oldest first: {"promised_on",
    # "amount", "status", "record" (the contact record it came from), "amended_by"
    # (the correcting record), "at"}. The contact records themselves never change.
    amended_from = models.JSONField(_("訂正前の約束"), default=list, blank=True)

    class Meta:
        verbose_name = _("納付約束")
        verbose_name_plural = _("納付約束")
        indexes = [models.Index(fields=["status", "promised_on"])]

    def __str__(self) -> str:
        return f"{self.payer_id} {self.promised_on} {self.amount}"


class Callback(models.Model):
    """A call the center owes the payer at a time: for one operator, or for the team.
    A personal callback not taken in time falls back to the team."""

    class Status(models.TextChoices):
        OPEN = "open", _("予定")
        DONE = "done", _("完了")
        CANCELLED = "cancelled", _("取消")

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="callbacks")
    due_at = models.DateTimeField(_("予定日時"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    requested_by_payer = models.BooleanField(_("相手方からの依頼"), default=False)
    note = EncryptedTextField(_("メモ"), blank=True)  # encrypted at rest, like the record's
    contact_record = models.ForeignKey(
        ContactRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"))
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("折返し予定")
        verbose_name_plural = _("折返し予定")
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.payer_id} {self.due_at:%Y-%m-%d %H:%M}"
