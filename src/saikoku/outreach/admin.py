"""Admin for what a ward_admin maintains by hand: the contact rules and the teams.
Every other role may not even see these pages (the rules decide who is called when)."""

from __future__ import annotations

from django.contrib import admin

from saikoku.core.models import Role
from saikoku.outreach.models import ContactSettings, Team


def _is_ward_admin(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.role == Role.WARD_ADMIN)


class WardAdminOnly(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return _is_ward_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_ward_admin(request)

    def has_add_permission(self, request) -> bool:
        return _is_ward_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_ward_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_ward_admin(request)


@admin.register(ContactSettings)
class ContactSettingsAdmin(WardAdminOnly):
    """One row (pk=1): it is edited, never added twice nor deleted."""

    exclude = ("updated_by",)
    list_display = ("__str__", "updated_at", "updated_by")

    def has_add_permission(self, request) -> bool:
        return _is_ward_admin(request) and not ContactSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Team)
class TeamAdmin(WardAdminOnly):
    list_display = ("name",)
    filter_horizontal = ("members",)
