"""Admin for what a ward_admin maintains by hand: the contact rules and the teams.
Every other role may not even see these pages (the rules decide who is called when)."""

from __future__ import annotations

from django.contrib import admin

from saikoku.core.admin import WardAdminOnly, is_ward_admin
from saikoku.outreach.models import ContactSettings, Team


@admin.register(ContactSettings)
class ContactSettingsAdmin(WardAdminOnly, admin.ModelAdmin):
    """One row (pk=1): it is edited, never added twice nor deleted."""

    exclude = ("updated_by",)
    list_display = ("__str__", "updated_at", "updated_by")

    def has_add_permission(self, request) -> bool:
        return is_ward_admin(request) and not ContactSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Team)
class TeamAdmin(WardAdminOnly, admin.ModelAdmin):
    list_display = ("name",)
    filter_horizontal = ("members",)
