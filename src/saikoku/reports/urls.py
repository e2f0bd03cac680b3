from django.urls import path

from saikoku.reports import views

urlpatterns = [
    path("", views.dashboard, name="report_dashboard"),
    path("effect/", views.effect, name="report_effect"),
    path("records/<slug:key>/", views.records, name="report_records"),
    path(
        "collection/<str:levy>/<slug:part>/",
        views.collection_records,
        name="report_collection_records",
    ),
    path("monthly/", views.monthly, name="report_monthly"),
    path("monthly/<int:run_id>/", views.monthly_run, name="report_monthly_run"),
    path("monthly/<int:run_id>/<slug:kind>", views.monthly_file, name="report_monthly_file"),
]
