from django.urls import path

from saikoku.arrears import views

urlpatterns = [
    path("", views.rates, name="late_charge_rates"),
]
