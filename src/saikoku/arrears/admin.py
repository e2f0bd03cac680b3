"""Admin for the one table a ward_admin maintains by hand: the late-charge rates."""

from __future__ import annotations

from django.contrib import admin

from saikoku.arrears.models import LateChargeRate
from saikoku.core.admin import WardAdminOnly


@admin.register(LateChargeRate)
class LateChargeRateAdmin(WardAdminOnly, admin.ModelAdmin):
    """Rates are entered once a year; every other role may not even see the page,
    because a wrong rate changes every figure an operator quotes on the phone."""

    list_display = ("year", "lower_percent", "higher_percent", "created_by", "created_at")
    fields = ("year", "lower_percent", "higher_percent", "source")
    ordering = ("-year",)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
