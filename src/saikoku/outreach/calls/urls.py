from django.urls import path

from saikoku.outreach.calls import views

urlpatterns = [
    path("", views.screen, name="call_screen"),
    path("next/", views.next_payer, name="call_next"),
    path("identity/", views.identity, name="call_identity"),
    path("record/", views.record, name="call_record"),
    path("release/", views.release, name="call_release"),
    path("dial/", views.dial_view, name="call_dial"),
]
