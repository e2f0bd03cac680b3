from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("calls/records/", include("saikoku.outreach.records.urls")),
    path("calls/", include("saikoku.outreach.calls.urls")),
    path("tasks/", include("saikoku.backoffice.urls")),
    path("lists/", include("saikoku.outreach.lists.urls")),
    path("exports/", include("saikoku.outreach.results.urls")),
    path("", include("saikoku.web.urls")),
]
