from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


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


class Organisation(models.TextChoices):
    WARD = "ward", _("区")
    CONTRACTOR = "contractor", _("受託事業者")


# Which organisation each role belongs to (BRIEF.md "Who uses it").
ROLE_ORGANISATION: dict[str, str] = {
    Role.WARD_ADMIN: Organisation.WARD,
    Role.WARD_STAFF: Organisation.WARD,
    Role.AUDITOR: Organisation.WARD,
    Role.SUPERVISOR: Organisation.CONTRACTOR,
    Role.OPERATOR: Organisation.CONTRACTOR,
}


# django-otp has no type information, so django-stubs cannot see TOTPDevice's reverse
# manager on User.
class User(AbstractUser):  # type: ignore[django-manager-missing]
    """A person who may log in: one of the designated handlers (取扱責任者・取扱者) the
    contractor reports to the ward, or a ward official. Outside the validity period
    the account cannot log in (core/backends.py), whatever its password."""

    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, blank=True)
    department = models.CharField(
        _("所属課"), max_length=10, choices=Department.choices, blank=True
    )
    organisation = models.CharField(
        _("所属"), max_length=20, choices=Organisation.choices, blank=True
    )
    extension = models.CharField(_("内線"), max_length=20, blank=True)
    valid_from = models.DateField(_("有効期間（開始）"), null=True, blank=True)
    valid_until = models.DateField(_("有効期間（終了）"), null=True, blank=True)
    # Set only by the demo's own users (demo/services.py): `saikoku demo-otp` works for
    # these alone, and a production start refuses while any exists (core/checks.py).
    is_demo = models.BooleanField(_("デモ利用者"), default=False)

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")
        constraints = [
            models.CheckConstraint(
                name="ward_staff_has_department",
                condition=~models.Q(role="ward_staff") | ~models.Q(department=""),
            ),
            models.CheckConstraint(
                name="validity_period_in_order",
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
            ),
        ]

    def valid_on(self, day: datetime.date) -> bool:
        """Whether the day lies inside the validity period (an open end is unbounded)."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until

    @property
    def levies(self) -> tuple[str, ...]:
        """The levies whose data this user may read (empty: none)."""
        if self.role == Role.WARD_STAFF:
            return DEPARTMENT_LEVIES.get(self.department, ())
        if self.role in (Role.WARD_ADMIN, Role.SUPERVISOR, Role.OPERATOR):
            return ("RT", "LV", "NH")
        return ()


class AuditEntry(models.Model):
    """One line of the append-only, HMAC-chained audit trail (see core/audit/).

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
    # The request (or task run) the entry was recorded in (core/request_id.py); None for
    # entries from before it was kept and for commands run by hand. Nullable and without
    # a default so that adding it is a plain ALTER TABLE ADD COLUMN on SQLite too: a
    # rebuilt table would lose the append-only triggers (core migration 0002).
    request_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["seq"]
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        indexes = [models.Index(fields=["action", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditAnalysis(models.Model):
    """One day's analysis of the audit trail (`saikoku audit analyze --yesterday`), kept
    so that the analysis page shows past days as they were found. The findings name
    the entries behind them by `seq` only: the personal values stay in the trail."""

    day = models.DateField(unique=True)
    computed_at = models.DateTimeField()
    rules = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    findings = models.JSONField(default=list)
    entries_checked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("監査ログの分析")
        verbose_name_plural = _("監査ログの分析")

    def __str__(self) -> str:
        return f"{self.day} {self.counts}"


class HandlerChangeKind(models.TextChoices):
    ADDED = "added", _("追加")
    CHANGED = "changed", _("変更")
    REMOVED = "removed", _("削除（無効化）")
    RESTORED = "restored", _("再有効化")


class HandlerChange(models.Model):
    """One change of the handler list (取扱責任者・取扱者一覧), append-only: who was added,
    changed or removed, when and by whom, with the user's handler attributes after the
    change. The list on any past day is the last snapshot of each user up to that day
    (core/handlers.py). Written by the same services that change the user, in the
    same transaction; never updated or deleted."""

    at = models.DateTimeField()
    user = models.ForeignKey(
        User, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    kind = models.CharField(max_length=10, choices=HandlerChangeKind.choices)
    fields = models.JSONField(default=list, blank=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.kind} {self.snapshot.get('username', '')}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only: history that could be rewritten would prove nothing to the ward.
        if not self._state.adding:
            raise ValueError("handler history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("handler history is append-only")


class UserSession(models.Model):
    """Which session belongs to whom (the session table itself only holds encoded
    data): written at login, so that `core.sessions.user_sessions_end` finds a user's
    sessions without decoding every row, and the user can list and end their own."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    started_at = models.DateTimeField()
    client_addr = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "started_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M}"


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A TOTP authenticator (RFC 6238) whose secret is stored encrypted.

    django-otp's own TOTPDevice keeps the secret in clear hex in its `key` field; this
    device keeps only the ciphertext (Fernet, key SAIKOKU_OTP_KEY, core/mfa.py), so a
    copy of the database alone cannot produce codes (checklist: access control against
    impersonation). Verification follows django-otp's TOTPDevice, with the step
    counter advanced by a conditional UPDATE so that two requests racing with the same
    code cannot both pass.
    """

    encrypted_key: models.TextField = models.TextField()
    step: models.PositiveSmallIntegerField = models.PositiveSmallIntegerField(default=30)
    t0: models.BigIntegerField = models.BigIntegerField(default=0)
    digits: models.PositiveSmallIntegerField = models.PositiveSmallIntegerField(default=6)
    # One step either side: a phone clock a little off still works (ASVS 6.5).
    tolerance: models.PositiveSmallIntegerField = models.PositiveSmallIntegerField(default=1)
    drift: models.SmallIntegerField = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: only a later step is accepted again.
    last_t: models.BigIntegerField = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("認証アプリ")
        verbose_name_plural = _("認証アプリ")

    @property
    def bin_key(self) -> bytes:
        from saikoku.core.mfa import secret_decrypt

        return secret_decrypt(self.encrypted_key)

    def get_throttle_factor(self) -> int:
        from django.conf import settings

        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        from saikoku.core.mfa import totp_verify

        return totp_verify(self, token)
