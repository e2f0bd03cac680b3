from django.urls import path

from saikoku.outreach.records import views

# Under /calls/records/ (src/saikoku/urls.py): a record is corrected from the payer page.
urlpatterns = [
    path("<int:record_id>/amend/", views.amend, name="contact_record_amend"),
]
