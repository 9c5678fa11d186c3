from django.urls import path

from ops import views

# No namespace: monitors and the permission matrix know it as "healthz".
urlpatterns = [
    # Load balancers and monitors: anonymous, "ok" or "fail" and nothing else.
    path("healthz", views.healthz, name="healthz"),
]
