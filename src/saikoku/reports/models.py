from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyReport(models.Model):
    """One production of the monthly report (業務報告書) from the console, run as a
    background task; the page follows `progress` and offers the files when done."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("作成中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    month = models.CharField(_("対象月"), max_length=7)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("進捗（%）"), default=0)
    step = models.CharField(_("処理中の項目"), max_length=100, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    requested_at = models.DateTimeField(_("依頼日時"))
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    xlsx = models.BinaryField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    error = models.CharField(_("エラー"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("業務報告書")
        verbose_name_plural = _("業務報告書")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.month} {self.status}"
