from __future__ import annotations

from django.conf import settings
from django.db import models
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
