from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.core.phones import phone_display
from saikoku.privacy.fields import EncryptedTextField


class Household(models.Model):
    household_no = models.CharField(_("世帯番号"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("世帯")
        verbose_name_plural = _("世帯")

    def __str__(self) -> str:
        return self.household_no


class Resident(models.Model):
    """A resident (住民) as the ward's package gives them; a payer is a resident who
    has assessments. Names and addresses are kept exactly as given; search goes
    through the normalised keys."""

    resident_no = models.CharField(_("住民番号"), max_length=20, unique=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    is_householder = models.BooleanField(_("世帯主"), default=False)
    relationship = models.CharField(_("続柄"), max_length=40, blank=True)
    name = models.CharField(_("氏名"), max_length=200)
    name_kana = models.CharField(_("カナ氏名"), max_length=200)
    # Search keys: see core/text.py (NFKC, variation selectors dropped, 異体字 folded,
    # kana folded to one form, spaces removed).
    name_key = models.CharField(max_length=200, db_index=True)
    kana_key = models.CharField(max_length=200, db_index=True)
    sex = models.CharField(_("性別"), max_length=1, blank=True)
    birth_date = models.DateField(_("生年月日"), db_index=True)
    nationality = models.CharField(_("国籍"), max_length=40, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    address = models.CharField(_("現住所"), max_length=300)
    resident_since = models.DateField(_("区民日"), null=True, blank=True)
    mailing_postal_code = models.CharField(_("送付先郵便番号"), max_length=8, blank=True)
    mailing_address = models.CharField(_("送付先住所"), max_length=300, blank=True)
    not_resident = models.BooleanField(_("不現住"), default=False)
    public_notice = models.BooleanField(_("公示送達中"), default=False)
    caution = models.BooleanField(_("処理注意者"), default=False)
    caution_note = EncryptedTextField(_("処理注意の理由"), blank=True)  # encrypted at rest
    deceased_on = models.DateField(_("死亡日"), null=True, blank=True)
    occupation = models.CharField(_("職業"), max_length=100, blank=True)
    # Unknown extra columns of the ward's file, kept with the row (ward staff only).
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("住民")
        verbose_name_plural = _("住民")

    def __str__(self) -> str:
        return f"{self.resident_no} {self.name}"


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", _("携帯")
    LANDLINE = "landline", _("固定")
    IP = "ip", _("IP電話")
    OTHER = "other", _("その他")
    INVALID = "invalid", _("無効")


class Phone(models.Model):
    """A phone number of a resident. Invalid numbers are kept (flagged) so the ward
    can see what it sent, but are never dialled or texted."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="phones")
    # phone_1..phone_3 of the package; empty for numbers the center collected.
    position = models.PositiveSmallIntegerField(null=True, blank=True)
    raw = models.CharField(_("電話番号（原文）"), max_length=60)
    e164 = models.CharField(_("電話番号"), max_length=20, blank=True, db_index=True)
    # National significant digits only (e.g. 9012345678), what a typed search matches.
    digits = models.CharField(max_length=20, blank=True, db_index=True)
    kind = models.CharField(_("種別"), max_length=10, choices=PhoneKind.choices)
    is_valid = models.BooleanField(_("有効"), default=True)
    source = models.CharField(_("取得元"), max_length=20, default="ward")

    class Meta:
        verbose_name = _("電話番号")
        verbose_name_plural = _("電話番号")
        constraints = [
            models.UniqueConstraint(fields=["resident", "position"], name="one_phone_per_slot")
        ]

    def __str__(self) -> str:
        return self.e164 or self.raw

    @property
    def display(self) -> str:
        """The number as shown on screens (core.phones.phone_display)."""
        return phone_display(self.e164, self.raw)
