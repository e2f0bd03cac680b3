from django.urls import path

from saikoku.privacy import views

urlpatterns = [
    path("", views.ledger, name="custody_ledger"),
    path("export/<slug:kind>", views.ledger_export, name="custody_export"),
    path("<int:entry_id>/<slug:what>/", views.ledger_done, name="custody_done"),
]
