from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.core.models import Department
from saikoku.people.models import Resident


class TaskKind(models.TextChoices):
    VERIFY_PAYMENT = "verify_payment", _("納付済み申出の確認")
    ESCALATION = "escalation", _("区職員への引継ぎ")
    ADDRESS_CHANGE = "address_change", _("転居情報の確認")
    DECEASED = "deceased", _("死亡情報の確認")


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
    ACCEPTED = "accepted", _("対応中")
    CLOSED = "closed", _("完了")


class Task(models.Model):
    """A piece of work handed to someone: an escalation to the ward staff of a levy's
    department (plans, hardship, disputes are the ward's to decide), or a check the
    back office must make (a payer says they already paid)."""

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("種別"), max_length=20, choices=TaskKind.choices)
    reason = models.CharField(_("理由"), max_length=20, choices=TaskReason.choices)
    summary = models.TextField(_("概要"))
    department = models.CharField(_("担当課"), max_length=10, choices=Department.choices)
    status = models.CharField(
        _("状態"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # The contact record that gave rise to the task (outreach.ContactRecord), if any.
    contact_record = models.ForeignKey(
        "outreach.ContactRecord", null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
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
        indexes = [models.Index(fields=["department", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.payer_id}"
