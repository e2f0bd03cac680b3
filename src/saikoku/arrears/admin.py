"""Admin for the one table a ward_admin maintains by hand: the late-charge rates.

The console's rate page (/rates/, arrears/views.py) is the usual way in; the admin is
where a registered rate is corrected. Both leave an audit entry, since a rate changes
every figure an operator quotes."""

from __future__ import annotations

from django.contrib import admin

from saikoku.arrears.models import LateChargeRate
from saikoku.core.admin import WardAdminOnly
from saikoku.core.audit import audit_record, client_address


def _detail(obj: LateChargeRate, **extra: object) -> dict[str, object]:
    return {
        "year": obj.year,
        "lower_percent": str(obj.lower_percent),
        "higher_percent": str(obj.higher_percent),
        "source": obj.source,
        **extra,
    }


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
        # Inside the admin's own transaction: the row and its entry commit together.
        audit_record(
            actor=request.user,
            action="late_charge_rate_change" if change else "late_charge_rate_register",
            object_type="late_charge_rate",
            object_id=str(obj.year),
            client_addr=client_address(request),
            detail=_detail(obj, via="admin"),
        )

    def delete_model(self, request, obj) -> None:
        audit_record(
            actor=request.user,
            action="late_charge_rate_change",
            object_type="late_charge_rate",
            object_id=str(obj.year),
            client_addr=client_address(request),
            detail=_detail(obj, via="admin", deleted=True),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
