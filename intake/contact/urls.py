from django.urls import path

from intake.contact import views

app_name = "contact"

urlpatterns = [
    path("contact/", views.contact, name="form"),
    path("contact/replies/", views.replies, name="replies"),
]
