"""Admin for the one table a ward_admin maintains by hand: the late-charge rates."""

from __future__ import annotations

from django.contrib import admin

from saikoku.arrears.models import LateChargeRate
from saikoku.core.models import Role


def _is_ward_admin(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_authenticated and user.role == Role.WARD_ADMIN)


@admin.register(LateChargeRate)
class LateChargeRateAdmin(admin.ModelAdmin):
    """Rates are entered once a year; every other role may not even see the page,
    because a wrong rate changes every figure an operator quotes on the phone."""

    list_display = ("year", "lower_percent", "higher_percent", "created_by", "created_at")
    fields = ("year", "lower_percent", "higher_percent", "source")
    ordering = ("-year",)

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

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
