from django.urls import path

from saikoku.outreach.lists import views

urlpatterns = [
    path("", views.call_list_index, name="call_list_index"),
    path("new/", views.call_list_new, name="call_list_new"),
    path("<int:list_id>/", views.call_list_detail, name="call_list_detail"),
    path("<int:list_id>/assign/", views.call_list_assign_view, name="call_list_assign"),
    path(
        "<int:list_id>/entries/<int:entry_id>/approve/",
        views.contact_approve,
        name="contact_approve",
    ),
]
