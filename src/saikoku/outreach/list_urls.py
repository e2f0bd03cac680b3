from django.urls import path

from saikoku.outreach import list_views

urlpatterns = [
    path("", list_views.call_list_index, name="call_list_index"),
    path("new/", list_views.call_list_new, name="call_list_new"),
    path("<int:list_id>/", list_views.call_list_detail, name="call_list_detail"),
    path("<int:list_id>/assign/", list_views.call_list_assign_view, name="call_list_assign"),
    path(
        "<int:list_id>/entries/<int:entry_id>/approve/",
        list_views.contact_approve,
        name="contact_approve",
    ),
]
