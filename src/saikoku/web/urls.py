from django.contrib.auth import views as auth_views
from django.urls import path

from saikoku.core.metrics import metrics_view
from saikoku.web import audit_views, health, views

urlpatterns = [
    path("login/", views.ConsoleLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("overview/", views.overview, name="overview"),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    path("search/", views.search, name="search"),
    path("payers/<int:resident_id>/", views.payer_page, name="payer"),
    path(
        "payers/<int:resident_id>/accounts/<int:account_id>/reveal/",
        views.account_reveal,
        name="account_reveal",
    ),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/analysis/", audit_views.audit_analysis, name="audit_analysis"),
    path(
        "audit/analysis/report.<str:fmt>",
        audit_views.audit_analysis_download,
        name="audit_analysis_download",
    ),
]
