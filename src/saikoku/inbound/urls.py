from django.urls import path

from saikoku.inbound import views

urlpatterns = [
    path("cti/events", views.cti_events, name="cti_events"),
    path("inbound/", views.screen, name="inbound_screen"),
    path("inbound/pop/", views.pop, name="inbound_pop"),
    path("inbound/calls/<int:call_id>/", views.call_page, name="inbound_call"),
    path("inbound/calls/<int:call_id>/payer/", views.choose, name="inbound_choose"),
    path("inbound/calls/<int:call_id>/identity/", views.identity, name="inbound_identity"),
    path("inbound/calls/<int:call_id>/record/", views.record, name="inbound_record"),
    path("inbound/calls/<int:call_id>/task/", views.task, name="inbound_task"),
    path("inbound/calls/<int:call_id>/transfer/", views.transfer, name="inbound_transfer"),
    path("inbound/transfers/", views.transfers, name="inbound_transfers"),
    path("inbound/transfers/pop/", views.transfer_pop, name="inbound_transfer_pop"),
    path(
        "inbound/transfers/<int:transfer_id>/accept/",
        views.transfer_take,
        name="inbound_transfer_accept",
    ),
    path("inbound/board/", views.board_page, name="inbound_board"),
]
