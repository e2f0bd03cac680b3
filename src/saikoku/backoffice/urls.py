from django.urls import path

from saikoku.backoffice import inquiry_views, mail_views, views

urlpatterns = [
    path("", views.queue, name="task_queue"),
    path("assign/", views.assign, name="task_assign"),
    path("<int:task_id>/", views.detail, name="task_detail"),
    path("<int:task_id>/accept/", views.accept, name="task_accept"),
    path("<int:task_id>/close/", views.close, name="task_close"),
    path("<int:task_id>/status/", views.transition, name="task_transition"),
    path("returned-mail/", mail_views.register, name="returned_mail_register"),
    path("returned-mail/days/", mail_views.days, name="returned_mail_days"),
    path("returned-mail/days/<str:day>/pdf/", mail_views.day_pdf, name="returned_mail_day_pdf"),
    path(
        "returned-mail/days/<str:day>/hand-over/",
        mail_views.hand_over,
        name="returned_mail_hand_over",
    ),
    path("returned-mail/<int:mail_id>/resolve/", mail_views.resolve, name="returned_mail_resolve"),
    path("inquiries/", inquiry_views.index, name="inquiry_index"),
    path("inquiries/new/", inquiry_views.create, name="inquiry_create"),
    path("inquiries/<int:inquiry_id>/", inquiry_views.detail, name="inquiry_detail"),
    path("inquiries/<int:inquiry_id>/answer/", inquiry_views.answer, name="inquiry_answer"),
    path("inquiries/<int:inquiry_id>/files/", inquiry_views.upload, name="inquiry_file_upload"),
    path("inquiry-files/<int:file_id>/", inquiry_views.download, name="inquiry_file_download"),
]
