from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class CustodyDirection(models.TextChoices):
    RECEIVED = "received", _("受領")
    HANDED_OVER = "handed_over", _("引渡")
    ERASED = "erased", _("消去")
    DESTROYED = "destroyed", _("廃棄")
    # The audit chain's head of the day, so that a tail cut off later shows
    # against what the ledger kept (saikoku audit head --ledger).
    AUDIT_HEAD = "audit_head", _("監査証跡の先頭")


class QuantityUnit(models.TextChoices):
    ROWS = "rows", _("件")
    SHEETS = "sheets", _("枚")
    ENVELOPES = "envelopes", _("通")
    PIECES = "pieces", _("点")


class CustodyMedium(models.TextChoices):
    """What was handed over: a package file, or paper and media (the checklist's
    "locked transport and storage of media and paper")."""

    FILE = "file", _("電子ファイル")
    PAPER = "paper", _("紙")
    USB = "usb", _("USBメモリ")
    DISC = "disc", _("光ディスク")
    OTHER = "other", _("その他")


class CustodyLedgerEntry(models.Model):
    """The custody ledger (管理簿) the ward's checklist asks for: date and time,
    handler, content and quantity of every handoff of personal data."""

    at = models.DateTimeField(_("日時"))
    direction = models.CharField(_("区分"), max_length=12, choices=CustodyDirection.choices)
    handler = models.CharField(_("取扱者"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    package_id = models.CharField(_("パッケージID"), max_length=100, blank=True)
    content = models.CharField(_("内容"), max_length=200)
    # [{"name": "persons.csv", "rows": 45500, "sha256": "..."}, ...]
    files = models.JSONField(_("ファイル"), default=list)
    total_rows = models.PositiveIntegerField(_("件数"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)  # of a package file
    medium = models.CharField(
        _("媒体"), max_length=10, choices=CustodyMedium.choices, default=CustodyMedium.FILE
    )
    # The ward's side of the handoff (課・係・氏名).
    counterpart = models.CharField(_("相手方"), max_length=200, blank=True)
    # When paper or media must go back to the ward, or be destroyed.
    return_or_destroy_on = models.DateField(_("返却・廃棄予定日"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("記録日時"), null=True, blank=True)
    quantity_unit = models.CharField(
        _("単位"), max_length=10, choices=QuantityUnit.choices, default=QuantityUnit.ROWS
    )
    # An encrypted file's password travels apart from the file (checklist): when it
    # was delivered, and by whom. Only entries that need one are asked for it.
    password_required = models.BooleanField(_("パスワード別送"), default=False)
    password_delivered_at = models.DateTimeField(_("パスワード送付日時"), null=True, blank=True)
    password_delivered_by = models.CharField(_("パスワード送付者"), max_length=150, blank=True)
    # When paper or media went back to the ward or were destroyed, and by whom.
    closed_at = models.DateTimeField(_("返却・廃棄日時"), null=True, blank=True)
    closed_by = models.CharField(_("返却・廃棄の実施者"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("管理簿")
        verbose_name_plural = _("管理簿")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_direction_display()} {self.package_id}"

    @property
    def password_pending(self) -> bool:
        return self.password_required and self.password_delivered_at is None

    @property
    def return_pending(self) -> bool:
        return self.return_or_destroy_on is not None and self.closed_at is None


class DataKey(models.Model):
    """A data key of the envelope encryption (privacy/keys.py), kept only wrapped by
    the master key. One is active (encrypts new values); others exist only while
    `keys rotate --reencrypt` moves values off them. Deleted at contract-end erasure."""

    key_id = models.CharField(_("鍵ID"), max_length=16, unique=True)
    # nonce | AES-256-GCM(the 32-byte data key) under the master key's wrapping key.
    wrapped = models.BinaryField(_("ラップ済みの鍵"))
    master_fingerprint = models.CharField(_("マスター鍵の指紋"), max_length=16)
    active = models.BooleanField(_("使用中"), default=False)
    created_at = models.DateTimeField(_("作成日時"))
    rewrapped_at = models.DateTimeField(_("再ラップ日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("データ鍵")
        verbose_name_plural = _("データ鍵")
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_data_key"
            )
        ]

    def __str__(self) -> str:
        return self.key_id


class IncidentKind(TextChoices):
    """What happened to the personal data (docs/security/incident.md, 1: 漏えい・滅失・き損
    and the cases it names)."""

    LEAK = "leak", _("漏えい")
    LOSS = "loss", _("紛失・滅失")
    DAMAGE = "damage", _("き損・改ざん")
    MISDELIVERY = "misdelivery", _("誤送付（郵便・SMS等）")
    UNAUTHORISED_ACCESS = "unauthorised_access", _("不正アクセス")
    IMPROPER_VIEW = "improper_view", _("権限外の閲覧")
    MALWARE = "malware", _("ウイルス感染")
    OTHER = "other", _("その他")


class IncidentSeverity(TextChoices):
    MINOR = "minor", _("軽微")
    SERIOUS = "serious", _("重大")
    CRITICAL = "critical", _("極めて重大")


class IncidentStatus(TextChoices):
    OPEN = "open", _("対応中")
    REPORTED = "reported", _("区へ報告済み")
    CLOSED = "closed", _("終結")


class Incident(models.Model):
    """One entry of the incident register (インシデント管理簿): what happened, when it
    occurred and was found, by whom, its scope and the people affected, the report to
    the ward and the closing. Written through privacy/incidents.py only; what was done
    in between is the append-only timeline of IncidentAction."""

    title = models.CharField(_("件名"), max_length=200)
    what = models.TextField(_("発生した事態"), max_length=4000)
    occurred_at = models.DateTimeField(_("発生日時"))
    found_at = models.DateTimeField(_("発見日時"))
    found_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("発見者（利用者）"),
    )
    found_by_name = models.CharField(_("発見者"), max_length=150)
    kind = models.CharField(_("種別"), max_length=20, choices=IncidentKind.choices)
    scope = models.TextField(_("範囲"), max_length=4000)
    severity = models.CharField(_("重大度"), max_length=10, choices=IncidentSeverity.choices)
    # People affected as far as known: may exceed the payers linked below (a family
    # member named on a misdirected letter is no payer); never fewer (services).
    affected_count = models.PositiveIntegerField(_("影響を受けた人数"))
    payers = models.ManyToManyField(
        "people.Resident", through="IncidentPayer", related_name="+", verbose_name=_("対象者")
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    created_at = models.DateTimeField(_("登録日時"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The first report to the ward (第一報; later ones are on the timeline).
    reported_at = models.DateTimeField(_("区への報告日時"), null=True, blank=True)
    reported_by = models.CharField(_("報告者"), max_length=150, blank=True)
    reported_to = models.CharField(_("報告先（区の担当者）"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("終結日時"), null=True, blank=True)
    closed_by = models.CharField(_("終結の確認者"), max_length=150, blank=True)
    closing_summary = models.TextField(_("終結の概要"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("インシデント")
        verbose_name_plural = _("インシデント管理簿")
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(found_at__gte=models.F("occurred_at")),
                name="incident_found_after_it_occurred",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="incident_closed_has_its_date",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(reported_at__isnull=False),
                name="incident_reported_has_its_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """The register's number as the ward quotes it: INC-0012."""
        return f"INC-{self.pk:04d}"

    @property
    def report_minutes(self) -> int | None:
        """Minutes from discovery to the first report to the ward (the procedure asks
        for 60 at most)."""
        if self.reported_at is None:
            return None
        return int((self.reported_at - self.found_at).total_seconds() // 60)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        # The register is the record of what happened: nothing removes an entry.
        raise ValueError("the incident register is never deleted from")


class IncidentPayer(models.Model):
    """A payer the incident affected. Erased with the resident (privacy/erasure/):
    the incident keeps its count of people affected, not the link."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="affected")
    # A visible reverse relation: erasure (privacy/erasure/rows.py) finds the links from it.
    payer = models.ForeignKey(
        "people.Resident", on_delete=models.CASCADE, related_name="incident_links"
    )
    added_at = models.DateTimeField(_("追加日時"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("インシデントの対象者")
        verbose_name_plural = _("インシデントの対象者")
        constraints = [
            models.UniqueConstraint(fields=["incident", "payer"], name="incident_payer_once")
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}:{self.payer_id}"


class IncidentActionKind(TextChoices):
    CREATED = "created", _("発見・登録")
    ACTION = "action", _("措置")
    PAYERS = "payers", _("対象者の追加")
    REPORTED = "reported", _("区へ報告")
    CLOSED = "closed", _("終結")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ValueError("the incident timeline is append-only")

    def delete(self) -> Any:
        raise ValueError("the incident timeline is append-only")


class IncidentAction(models.Model):
    """One entry of an incident's timeline: who did what, when. Append-only: the model
    refuses to save a change or delete, and the database refuses UPDATE and DELETE
    (migration 0005), so the timeline the ward reads is the one that was written."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("区分"), max_length=10, choices=IncidentActionKind.choices)
    at = models.DateTimeField(_("実施日時"))
    done_by = models.CharField(_("実施者"), max_length=150)
    text = models.TextField(_("内容"), max_length=4000)
    recorded_at = models.DateTimeField(_("記録日時"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("インシデントの対応記録")
        verbose_name_plural = _("インシデントの対応記録")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.at:%Y-%m-%d %H:%M} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("the incident timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("the incident timeline is append-only")
