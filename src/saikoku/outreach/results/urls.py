from django.urls import path

from saikoku.outreach.results import views

urlpatterns = [
    path("results/", views.results_export_page, name="results_export"),
    path(
        "results/download/<str:token>/",
        views.results_download,
        name="results_download",
    ),
]
