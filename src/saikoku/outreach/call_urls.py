from django.urls import path

from saikoku.outreach import amend_views, call_views

urlpatterns = [
    path("", call_views.screen, name="call_screen"),
    path("next/", call_views.next_payer, name="call_next"),
    path("identity/", call_views.identity, name="call_identity"),
    path("record/", call_views.record, name="call_record"),
    path("release/", call_views.release, name="call_release"),
    path("dial/", call_views.dial_view, name="call_dial"),
    path("records/<int:record_id>/amend/", amend_views.amend, name="contact_record_amend"),
]
