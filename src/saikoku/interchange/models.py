from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportedPackage(models.Model):
    """A ward package that was imported; its package_id makes re-import harmless."""

    package_id = models.CharField(_("パッケージID"), max_length=100, unique=True)
    kind = models.CharField(_("種別"), max_length=10)  # full | delta
    extracted_at = models.DateTimeField(_("抽出日時"))
    imported_at = models.DateTimeField(_("取込日時"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    handler = models.CharField(_("取扱者"), max_length=150)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # {"persons.csv": {"rows": 123, "sha256": "...", "created": 1, "updated": 2}, ...}
    files = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("取込パッケージ")
        verbose_name_plural = _("取込パッケージ")
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.package_id


class PackageResident(models.Model):
    """Which residents a package named (persons, or the payer of any other row): what
    a package alone brought is its residents that no other package named, and only
    those are erased with it (`saikoku erase --package`, privacy/erasure/)."""

    package = models.ForeignKey(ImportedPackage, on_delete=models.CASCADE, related_name="+")
    resident_no = models.CharField(_("住民番号"), max_length=20, db_index=True)

    class Meta:
        verbose_name = _("パッケージの住民")
        verbose_name_plural = _("パッケージの住民")
        constraints = [
            models.UniqueConstraint(
                fields=["package", "resident_no"], name="one_row_per_package_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.package_id} {self.resident_no}"
