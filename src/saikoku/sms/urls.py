from django.urls import path

from saikoku.sms import views

urlpatterns = [
    path("", views.sms_index, name="sms_index"),
    path("templates/new/", views.sms_template_new, name="sms_template_new"),
    path("templates/<int:template_id>/", views.sms_template_detail, name="sms_template_detail"),
    path(
        "templates/<int:template_id>/approve/",
        views.sms_template_approve_view,
        name="sms_template_approve",
    ),
    path(
        "templates/<int:template_id>/policy/",
        views.sms_template_policy_view,
        name="sms_template_policy",
    ),
    path("campaigns/new/", views.sms_campaign_new, name="sms_campaign_new"),
    path("campaigns/<int:campaign_id>/", views.sms_campaign_detail, name="sms_campaign_detail"),
    path(
        "campaigns/<int:campaign_id>/<slug:action>/",
        views.sms_campaign_control,
        name="sms_campaign_control",
    ),
    path("payers/<int:payer_id>/", views.sms_payer_preferences, name="sms_payer_preferences"),
    path("callback", views.sms_callback, name="sms_callback"),
]
