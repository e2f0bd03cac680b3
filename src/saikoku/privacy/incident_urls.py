from django.urls import path

from saikoku.privacy import incident_views as views

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("export.xlsx", views.incident_export, name="incident_export"),
    path("new/", views.incident_new, name="incident_new"),
    path("<int:incident_id>/", views.incident_detail, name="incident_detail"),
    path("<int:incident_id>/actions/", views.incident_action, name="incident_action"),
    path("<int:incident_id>/payers/", views.incident_payers, name="incident_payers"),
    path("<int:incident_id>/report/", views.incident_report_view, name="incident_report"),
    path("<int:incident_id>/close/", views.incident_close_view, name="incident_close"),
]
