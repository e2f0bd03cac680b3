from django.contrib import admin

from saikoku.core.admin import ReadOnlyForWardAdmin
from saikoku.privacy.models import CustodyLedgerEntry


@admin.register(CustodyLedgerEntry)
class CustodyLedgerAdmin(ReadOnlyForWardAdmin, admin.ModelAdmin):
    """The custody ledger (管理簿): every handoff of personal data, read-only."""

    list_display = ("at", "direction", "package_id", "content", "total_rows", "handler", "sha256")
    list_filter = ("direction",)
    search_fields = ("package_id", "handler")
    date_hierarchy = "at"
