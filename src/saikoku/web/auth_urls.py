from django.urls import path

from saikoku.web import auth_views

urlpatterns = [
    path("mfa/", auth_views.mfa_verify_view, name="mfa_verify"),
    path("mfa/setup/", auth_views.mfa_enrol_view, name="mfa_enrol"),
    path("mfa/recovery-codes/", auth_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("account/password/", auth_views.password_change, name="password_change"),
    path("account/sessions/", auth_views.account_sessions, name="account_sessions"),
    path(
        "account/sessions/<int:session_id>/end/",
        auth_views.account_session_end,
        name="account_session_end",
    ),
]
