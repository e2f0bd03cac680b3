from django.urls import path

from saikoku.backoffice import views

urlpatterns = [
    path("", views.queue, name="task_queue"),
    path("<int:task_id>/", views.detail, name="task_detail"),
    path("<int:task_id>/accept/", views.accept, name="task_accept"),
    path("<int:task_id>/close/", views.close, name="task_close"),
]
