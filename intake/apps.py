from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from casework.models import IntakeChannel
        from casework.selectors import register_case_page_box
        from intake.delivery import NO_DELIVERY, register_delivery
        from intake.models import Conversation
        from intake.telegram.services import deliver_reply

        # The contact page sends nothing: the person reads replies with their phrase.
        register_delivery(IntakeChannel.CONTACT_PAGE, NO_DELIVERY)
        register_delivery(IntakeChannel.TELEGRAM_BOT, deliver_reply)
        # The case page's row says whether the case has a conversation: none, no query.
        register_case_page_box(
            "conversations", lambda case: Conversation.objects.filter(case_id=case)
        )
