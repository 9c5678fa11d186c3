from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.models import IntakeChannel
        from intake.delivery import NO_DELIVERY, register_delivery

        # The contact page sends nothing: the person reads replies with their phrase.
        register_delivery(IntakeChannel.CONTACT_PAGE, NO_DELIVERY)
