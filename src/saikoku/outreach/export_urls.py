from django.urls import path

from saikoku.outreach import export_views

urlpatterns = [
    path("results/", export_views.results_export_page, name="results_export"),
    path(
        "results/download/<str:token>/",
        export_views.results_download,
        name="results_download",
    ),
]
