from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("calls/records/", include("saikoku.outreach.records.urls")),
    path("calls/", include("saikoku.outreach.calls.urls")),
    path("tasks/", include("saikoku.backoffice.urls")),
    path("custody/", include("saikoku.privacy.urls")),
    path("incidents/", include("saikoku.privacy.incident_urls")),
    path("lists/", include("saikoku.outreach.lists.urls")),
    path("exports/", include("saikoku.outreach.results.urls")),
    path("rates/", include("saikoku.arrears.urls")),
    path("", include("saikoku.inbound.urls")),
    path("handlers/", include("saikoku.web.handler_urls")),
    path("", include("saikoku.web.auth_urls")),
    path("sms/", include("saikoku.sms.urls")),
    path("reports/", include("saikoku.reports.urls")),
    path("", include("saikoku.web.urls")),
]

# The console's own error pages: Japanese, in its layout, never a traceback.
handler403 = "saikoku.web.errors.forbidden"
handler404 = "saikoku.web.errors.not_found"
handler500 = "saikoku.web.errors.server_error"
