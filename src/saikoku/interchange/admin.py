from django.contrib import admin

from saikoku.core.admin import ReadOnlyForWardAdmin
from saikoku.interchange.models import ImportedPackage


@admin.register(ImportedPackage)
class ImportedPackageAdmin(ReadOnlyForWardAdmin, admin.ModelAdmin):
    list_display = ("package_id", "kind", "extracted_at", "imported_at", "handler", "sha256")
    list_filter = ("kind",)
