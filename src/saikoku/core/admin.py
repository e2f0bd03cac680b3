"""User management for the ward administrator (BRIEF.md: ward_admin manages users and
roles). Django's admin is the screen; access is limited to the ward_admin role, not to
Django's staff flag alone, and every change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice

from saikoku.core.audit import audit_record, client_address
from saikoku.core.handlers import handler_history_record
from saikoku.core.models import HandlerChangeKind, User
from saikoku.core.roles import Capability, user_can
from saikoku.core.sessions import user_sessions_end

# Recovery codes are shown once to their owner and to nobody else: django-otp's admin
# page for them (which lists the codes) is not offered. A ward_admin resets a user's
# second factor on the handler page instead.
if admin.site.is_registered(StaticDevice):
    admin.site.unregister(StaticDevice)


def is_ward_admin(request: HttpRequest) -> bool:
    user = request.user
    return user_can(user, Capability.ADMINISTER)


class WardAdminOnly:
    """Admin pages that only a ward_admin may open, whatever Django permissions say."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_ward_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_ward_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_ward_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_ward_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_ward_admin(request)


class ReadOnlyForWardAdmin(WardAdminOnly):
    """Records that are evidence (ledger, imports): readable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(WardAdminOnly, DjangoUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("氏名"), {"fields": ("last_name", "first_name", "email")}),
        (_("役割"), {"fields": ("role", "department", "is_active", "is_staff")}),
        (
            _("取扱者"),
            {"fields": ("organisation", "extension", "valid_from", "valid_until")},
        ),
        (_("記録"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "role", "department")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are deactivated, never deleted: the audit trail names them.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # The handler list's history sees every change, whichever screen made it.
        changed = sorted(form.changed_data)
        kind = HandlerChangeKind.CHANGED if change else HandlerChangeKind.ADDED
        if change and "is_active" in changed:
            kind = HandlerChangeKind.RESTORED if obj.is_active else HandlerChangeKind.REMOVED
        actor = request.user if isinstance(request.user, User) else None
        handler_history_record(user=obj, actor=actor, kind=kind, fields=changed)
        if not obj.is_active:
            user_sessions_end(obj)
        audit_record(
            actor=request.user,
            action="user_change" if change else "user_create",
            object_type="user",
            object_id=obj.username,
            client_addr=client_address(request),
            detail={"fields": sorted(form.changed_data), "role": obj.role},
        )
