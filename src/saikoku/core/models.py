from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WARD_ADMIN = "ward_admin", _("区管理者")
    WARD_STAFF = "ward_staff", _("区職員")
    SUPERVISOR = "supervisor", _("取扱責任者")
    OPERATOR = "operator", _("取扱者")
    AUDITOR = "auditor", _("監査担当")


class Department(models.TextChoices):
    TAX = "tax", _("税務課")
    NHI = "nhi", _("医療保険年金課")


# Which levies each ward department owns (BRIEF.md): ward staff see only these.
DEPARTMENT_LEVIES: dict[str, tuple[str, ...]] = {
    Department.TAX: ("RT", "LV"),
    Department.NHI: ("NH",),
}


class User(AbstractUser):
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, blank=True)
    department = models.CharField(
        _("所属課"), max_length=10, choices=Department.choices, blank=True
    )

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        constraints = [
            models.CheckConstraint(
                name="ward_staff_has_department",
                condition=~models.Q(role="ward_staff") | ~models.Q(department=""),
            ),
        ]

    @property
    def levies(self) -> tuple[str, ...]:
        """The levies whose data this user may read (empty: none)."""
        if self.role == Role.WARD_STAFF:
            return DEPARTMENT_LEVIES.get(self.department, ())
        if self.role in (Role.WARD_ADMIN, Role.SUPERVISOR, Role.OPERATOR):
            return ("RT", "LV", "NH")
        return ()


class AuditEntry(models.Model):
    """One line of the append-only, HMAC-chained audit trail (see core/audit.py).

    The database refuses UPDATE and DELETE on this table (triggers in the migrations).
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    client_addr = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        indexes = [models.Index(fields=["action", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
