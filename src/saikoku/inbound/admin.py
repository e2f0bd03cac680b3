from django.contrib import admin

from saikoku.core.admin import WardAdminOnly
from saikoku.inbound.models import PaymentGuidance


@admin.register(PaymentGuidance)
class PaymentGuidanceAdmin(WardAdminOnly, admin.ModelAdmin):
    """ward_admin edits the how-to-pay text of each levy the operators read out."""

    list_display = ("levy",)
