from django.urls import path

from saikoku.web import handler_views

urlpatterns = [
    path("", handler_views.handler_list, name="handler_list"),
    path("export.xlsx", handler_views.handler_export, name="handler_export"),
    path("new/", handler_views.handler_new, name="handler_new"),
    path("<int:user_id>/", handler_views.handler_edit, name="handler_edit"),
    path("<int:user_id>/disable/", handler_views.handler_disable_view, name="handler_disable"),
    path("<int:user_id>/enable/", handler_views.handler_enable_view, name="handler_enable"),
    path("<int:user_id>/unlock/", handler_views.handler_unlock, name="handler_unlock"),
    path(
        "<int:user_id>/device-reset/",
        handler_views.handler_device_reset,
        name="handler_device_reset",
    ),
]
