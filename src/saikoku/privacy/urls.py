from django.urls import path

from saikoku.privacy import views

urlpatterns = [path("", views.ledger, name="custody_ledger")]
