from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.backoffice.kinds import fallback_due_on, task_kind_choices
from saikoku.core.models import Department
from saikoku.people.models import Resident


class TaskKind(models.TextChoices):
    """Names for the built-in kinds of backoffice.kinds (the registry decides the
    rest: label, who works it, due date)."""

    VERIFY_PAYMENT = "verify_payment", _("納付済み申出の確認")
    ESCALATION = "escalation", _("区職員への引継ぎ")
    ADDRESS_CHANGE = "address_change", _("転居情報の確認")
    DECEASED = "deceased", _("死亡情報の確認")
    ADDRESS_INVESTIGATION = "address_investigation", _("住所調査")
    REISSUE_SLIP = "reissue_slip", _("納付書の再発行")
    NUMBER_WRONG = "number_wrong", _("電話番号誤りの申出")
    INQUIRY_OVERDUE = "inquiry_overdue", _("照会の回答期限超過")
    RETURNED_MAIL_FOLLOWUP = "returned_mail_followup", _("返戻郵便の追跡")


class TaskReason(models.TextChoices):
    CLAIMS_PAID = "claims_paid", _("納付済みとの申出")
    WANTS_PLAN = "wants_plan", _("分納の希望")
    HARDSHIP = "hardship", _("生活困窮の申出")
    DISPUTE = "dispute", _("賦課内容への異議")
    MOVED = "moved", _("転居の申出")
    DECEASED = "deceased", _("死亡の申出")
    OTHER = "other", _("その他")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("未着手")
    IN_PROGRESS = "in_progress", _("対応中")
    WAITING_WARD = "waiting_ward", _("区の対応待ち")
    DONE = "done", _("完了")
    CANCELLED = "cancelled", _("取消")


# A task in one of these is finished: out of every queue, never reopened.
FINISHED = (TaskStatus.DONE, TaskStatus.CANCELLED)


class Task(models.Model):
    """A piece of work handed to someone: an escalation to the ward staff of a levy's
    department (plans, hardship, disputes are the ward's to decide), or a check the
    back office must make (a payer says they already paid)."""

    payer = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    kind = models.CharField(_("種別"), max_length=40, choices=task_kind_choices)
    reason = models.CharField(_("理由"), max_length=20, choices=TaskReason.choices, blank=True)
    summary = models.TextField(_("概要"))
    # The ward department the task concerns (whose queue a ward kind lands in).
    department = models.CharField(
        _("担当課"), max_length=10, choices=Department.choices, blank=True
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    due_on = models.DateField(_("期限"), default=fallback_due_on)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tasks",
        verbose_name=_("担当者"),
    )
    team = models.ForeignKey(
        "outreach.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("担当チーム"),
    )
    # The contact record that gave rise to the task (outreach.ContactRecord), if any.
    contact_record = models.ForeignKey(
        "outreach.ContactRecord", null=True, blank=True, on_delete=models.PROTECT
    )
    # None: made by the system (an overdue inquiry found by the nightly sweep).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("作成日時"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(_("受付日時"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    result = models.TextField(_("対応結果"), blank=True)

    class Meta:
        verbose_name = _("タスク")
        verbose_name_plural = _("タスク")
        indexes = [
            models.Index(fields=["department", "status", "created_at"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.payer_id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class TaskEvent(models.Model):
    """One line of a task's history: who did what when. Written by the services only
    and never changed (the ward's checklist: work attributable after the fact)."""

    class Action(models.TextChoices):
        CREATED = "created", _("作成")
        STATUS = "status", _("状態変更")
        ASSIGNED = "assigned", _("割当")

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("日時"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TaskStatus.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "outreach.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("メモ"), blank=True)

    class Meta:
        verbose_name = _("タスクの履歴")
        verbose_name_plural = _("タスクの履歴")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Append-only: a history line, once written, is never rewritten.
        if self.pk is not None:
            raise ValueError("TaskEvent is append-only")
        super().save(*args, **kwargs)


# --- returned mail (返戻郵便) -----------------------------------------------------------


class ReturnReason(models.TextChoices):
    """The five reasons the post office stamps on an envelope; the key is the one the
    registration page and the import file use (1–5)."""

    ADDRESSEE_UNKNOWN = "addressee_unknown", _("宛所不明")
    MOVED = "moved", _("転居先不明")
    REFUSED = "refused", _("受取拒否")
    UNCLAIMED = "unclaimed", _("保管期間経過")
    OTHER = "other", _("その他")


# Key 1–5 -> reason, in the order above (the page and the CSV both use it).
REASON_KEYS: dict[str, str] = {str(i): r.value for i, r in enumerate(ReturnReason, start=1)}


class ReturnedMailImport(models.Model):
    """One scanned batch file taken in: its hash makes re-importing it a no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=255)
    rows = models.PositiveIntegerField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.file_name


class ReturnedMail(models.Model):
    """One envelope that came back, registered against its payer."""

    class CodeKind(models.TextChoices):
        NOTICE = "notice", _("通知書番号")
        RESIDENT = "resident", _("住民番号")

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="returned_mail")
    code = models.CharField(_("番号"), max_length=40)
    code_kind = models.CharField(max_length=10, choices=CodeKind.choices)
    department = models.CharField(
        _("担当課"), max_length=10, choices=Department.choices, blank=True
    )
    reason = models.CharField(_("返戻理由"), max_length=20, choices=ReturnReason.choices)
    returned_on = models.DateField(_("返戻日"))
    # The same envelope registered again the same day (a second scan): kept, flagged.
    duplicate = models.BooleanField(_("重複"), default=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("登録日時"))
    source = models.ForeignKey(
        ReturnedMailImport, null=True, blank=True, on_delete=models.PROTECT, related_name="mail"
    )
    # Unresolved until the address is settled (a new address, or the ward's finding).
    resolved_at = models.DateTimeField(_("解決日時"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigation_task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="returned_mail"
    )
    # When the day's envelopes went back to the ward (written in the custody ledger).
    handed_over_at = models.DateTimeField(_("区への引渡日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("返戻郵便")
        verbose_name_plural = _("返戻郵便")
        indexes = [
            models.Index(fields=["returned_on", "reason"]),
            models.Index(fields=["payer", "resolved_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.returned_on} {self.code}"


# --- inquiry documents (照会文書) ---------------------------------------------------------


class CounterpartKind(models.TextChoices):
    BANK = "bank", _("金融機関")
    EMPLOYER = "employer", _("勤務先")
    MUNICIPALITY = "municipality", _("他自治体")
    PENSION_OFFICE = "pension_office", _("年金事務所")
    OTHER = "other", _("その他")


class InquiryStatus(models.TextChoices):
    SENT = "sent", _("回答待ち")
    ANSWERED = "answered", _("回答済み")
    CANCELLED = "cancelled", _("取消")


class Inquiry(models.Model):
    """An inquiry sent to a bank, employer, other municipality or pension office about
    a payer, and the answer that came back."""

    payer = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries"
    )
    department = models.CharField(
        _("担当課"), max_length=10, choices=Department.choices, blank=True
    )
    counterpart_kind = models.CharField(
        _("照会先の種別"), max_length=20, choices=CounterpartKind.choices
    )
    counterpart_name = models.CharField(_("照会先"), max_length=200)
    sent_on = models.DateField(_("発送日"))
    due_on = models.DateField(_("回答期限"))
    received_on = models.DateField(_("回答受領日"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.SENT
    )
    notes = models.TextField(_("備考"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登録日時"))
    overdue_task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("照会文書")
        verbose_name_plural = _("照会文書")
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.counterpart_name


class InquiryFile(models.Model):
    """A scanned page of an inquiry or its answer. The bytes live encrypted in the data
    folder (privacy.files); this row holds what the checks found."""

    class Part(models.TextChoices):
        INQUIRY = "inquiry", _("照会")
        ANSWER = "answer", _("回答")

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="files")
    part = models.CharField(_("区分"), max_length=10, choices=Part.choices)
    original_name = models.CharField(_("ファイル名"), max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("サイズ"))
    sha256 = models.CharField(max_length=64)  # of the plain file
    stored_name = models.CharField(max_length=100, unique=True)
    # A PDF with /JavaScript or /EmbeddedFile: kept as evidence, only ever downloaded.
    active_content = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.original_name
