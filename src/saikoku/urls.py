from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("calls/", include("saikoku.outreach.call_urls")),
    path("tasks/", include("saikoku.backoffice.urls")),
    path("lists/", include("saikoku.outreach.list_urls")),
    path("exports/", include("saikoku.outreach.export_urls")),
    path("rates/", include("saikoku.arrears.urls")),
    path("", include("saikoku.web.urls")),
]
