from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from saikoku.people.models import Resident
from saikoku.privacy.fields import BlindIndexField, EncryptedTextField


class Levy(models.TextChoices):
    RT = "RT", _("特別区民税・都民税・森林環境税")
    LV = "LV", _("軽自動車税（種別割）")
    NH = "NH", _("国民健康保険料")


class Assessment(models.Model):
    """A notice (賦課): one levy, one fiscal year, one payer."""

    levy = models.CharField(_("税目"), max_length=2, choices=Levy.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    notice_no = models.CharField(_("通知書番号"), max_length=40, db_index=True)
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="assessments")
    annual_amount = models.BigIntegerField(_("年税額"))
    notice_issued_on = models.DateField(_("通知書発付日"), null=True, blank=True)
    vehicle_plate = models.CharField(_("標識番号"), max_length=40, blank=True)
    vehicle_kind = models.CharField(_("車種"), max_length=40, blank=True)
    insured_count = models.PositiveSmallIntegerField(_("被保険者数"), null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("賦課")
        verbose_name_plural = _("賦課")
        constraints = [
            models.UniqueConstraint(
                fields=["levy", "fiscal_year", "notice_no"], name="unique_notice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.levy} {self.fiscal_year} {self.notice_no}"


class Bill(models.Model):
    """One period (期別) of an assessment. The ward's row is authoritative: a later
    package replaces amount, paid_amount and dates. levy and payer are copied from the
    assessment so that lists and permission checks need no join."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="bills")
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="bills")
    levy = models.CharField(_("税目"), max_length=2, choices=Levy.choices)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    period = models.PositiveSmallIntegerField(_("期"))
    amount = models.BigIntegerField(_("期別額"))
    due_date = models.DateField(_("納期限"))
    paid_amount = models.BigIntegerField(_("収納済額"))
    demand_sent_on = models.DateField(_("督促状発付日"), null=True, blank=True)
    late_charge_paid = models.BigIntegerField(_("延滞金収納済額"), null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("期別")
        verbose_name_plural = _("期別")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "period"], name="unique_period"),
            models.CheckConstraint(
                name="paid_within_amount",
                condition=models.Q(paid_amount__gte=0)
                & models.Q(paid_amount__lte=models.F("amount")),
            ),
        ]
        indexes = [
            models.Index(fields=["payer", "levy"]),
            models.Index(fields=["due_date"]),
            # Call lists sum every payer's unpaid bills (outreach/facts.py): this index
            # holds just those rows (≈70 %) with every column the sum reads, so the
            # aggregate walks it in payer order and never touches the table.
            models.Index(
                fields=[
                    "payer",
                    "levy",
                    "due_date",
                    "fiscal_year",
                    "demand_sent_on",
                    "amount",
                    "paid_amount",
                ],
                condition=models.Q(amount__gt=models.F("paid_amount")),
                name="bill_unpaid_by_payer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} 第{self.period}期"

    @property
    def balance(self) -> int:
        return self.amount - self.paid_amount


class PaymentMethod(models.TextChoices):
    COUNTER = "counter", _("窓口")
    BANK = "bank", _("金融機関")
    CONBINI = "conbini", _("コンビニ")
    DEBIT = "debit", _("口座振替")
    QR = "qr", _("スマホ決済")
    CARD = "card", _("クレジットカード")
    OTHER = "other", _("その他")


class Payment(models.Model):
    """A payment (収納) as the ward recorded it; payment_id makes re-sending harmless."""

    payment_id = models.CharField(max_length=40, unique=True)
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="payments")
    amount = models.BigIntegerField(_("収納額"))
    paid_on = models.DateField(_("収納日"))
    recorded_on = models.DateField(_("消込日"), null=True, blank=True)
    method = models.CharField(_("収納方法"), max_length=10, choices=PaymentMethod.choices)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("収納")
        verbose_name_plural = _("収納")

    def __str__(self) -> str:
        return self.payment_id


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("履行中")
    COMPLETED = "completed", _("完了")
    BROKEN = "broken", _("不履行")
    CANCELLED = "cancelled", _("取消")


class Plan(models.Model):
    """A payment plan (分納誓約) the ward agreed with the payer."""

    plan_id = models.CharField(max_length=40, unique=True)
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="plans")
    agreed_on = models.DateField(_("誓約日"))
    status = models.CharField(_("状態"), max_length=10, choices=PlanStatus.choices)
    monthly_amount = models.BigIntegerField(_("月額"), null=True, blank=True)
    next_due_on = models.DateField(_("次回納付日"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("分納誓約")
        verbose_name_plural = _("分納誓約")

    def __str__(self) -> str:
        return self.plan_id


class MeasureKind(models.TextChoices):
    COLLECTION_DEFERMENT = "collection_deferment", _("徴収猶予")
    SALE_DEFERMENT = "sale_deferment", _("換価猶予")
    SEIZURE = "seizure", _("差押")
    SUSPENSION = "suspension", _("滞納処分の停止")
    BANKRUPTCY = "bankruptcy", _("破産等")
    OTHER = "other", _("その他")


class Measure(models.Model):
    """A collection measure (猶予・処分・停止)."""

    measure_id = models.CharField(max_length=40, unique=True)
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(_("種別"), max_length=30, choices=MeasureKind.choices)
    start_on = models.DateField(_("開始日"))
    end_on = models.DateField(_("終了日"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("処分・猶予")
        verbose_name_plural = _("処分・猶予")

    def __str__(self) -> str:
        return self.measure_id


class HistoryChannel(models.TextChoices):
    PHONE = "phone", _("電話")
    VISIT = "visit", _("来庁・訪問")
    LETTER = "letter", _("文書")
    SMS = "sms", _("SMS")
    OTHER = "other", _("その他")


class WardHistory(models.Model):
    """An earlier negotiation record (交渉・相談経過) handed over by the ward."""

    record_id = models.CharField(max_length=40, unique=True)
    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="ward_history")
    at = models.DateTimeField(_("日時"))
    has_time = models.BooleanField(default=True)  # the ward gave a date only when False
    channel = models.CharField(_("経路"), max_length=10, choices=HistoryChannel.choices)
    summary = models.TextField(_("内容"))
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("交渉経過（区）")
        verbose_name_plural = _("交渉経過（区）")
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.record_id


class Account(models.Model):
    """A direct-debit bank account (口座振替). Shown masked; a reveal is audited."""

    payer = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="accounts")
    levy = models.CharField(_("税目"), max_length=2, choices=Levy.choices)
    bank_code = models.CharField(_("金融機関コード"), max_length=4)
    branch_code = models.CharField(_("支店コード"), max_length=3)
    account_type = models.CharField(_("預金種目"), max_length=10)
    # Encrypted at rest; the blind index stands in for it in the unique key and in the
    # import's look-ups (privacy/fields.py).
    account_no = EncryptedTextField(_("口座番号"), max_length=10)
    account_no_hash = BlindIndexField(source="account_no")
    holder_kana = models.CharField(_("口座名義（カナ）"), max_length=100, blank=True)
    start_on = models.DateField(_("開始日"), null=True, blank=True)
    end_on = models.DateField(_("終了日"), null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("口座振替")
        verbose_name_plural = _("口座振替")
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "levy", "bank_code", "branch_code", "account_no_hash"],
                name="unique_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_code}-{self.branch_code} {self.masked_account_no}"

    @property
    def masked_account_no(self) -> str:
        return "*" * max(len(self.account_no) - 3, 0) + self.account_no[-3:]


class LateChargeRate(models.Model):
    """A year's late-charge rates entered by a ward_admin (published each December).

    Rows here override the table shipped in arrears/data/late_charge_rates.csv, so next
    year's rate needs no release (see arrears/rates.py)."""

    year = models.PositiveSmallIntegerField(_("年"), unique=True)
    lower_percent = models.DecimalField(
        _("1月（3月）以内の割合（年%）"), max_digits=4, decimal_places=1
    )
    higher_percent = models.DecimalField(_("経過後の割合（年%）"), max_digits=4, decimal_places=1)
    source = models.TextField(_("根拠（告示・条文）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録者"),
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("延滞金の割合")
        verbose_name_plural = _("延滞金の割合")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                name="late_charge_rate_positive",
                condition=models.Q(lower_percent__gt=0)
                & models.Q(higher_percent__gte=models.F("lower_percent"))
                & models.Q(higher_percent__lte=Decimal("14.6")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}: {self.lower_percent}% / {self.higher_percent}%"
