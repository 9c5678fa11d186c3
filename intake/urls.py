from django.urls import path

from casework import converters  # noqa: F401 - registers "ref"
from intake import views

app_name = "intake"

urlpatterns = [
    path("intake/", views.queue, name="queue"),
    path("intake/<ref:reference>/take/", views.take_on, name="take_on"),
    path("intake/<ref:reference>/merge/", views.merge, name="merge"),
    path("intake/<ref:reference>/discard/", views.discard, name="discard"),
    path("intake/conversations/<uuid:pk>/reply/", views.reply, name="reply"),
]
