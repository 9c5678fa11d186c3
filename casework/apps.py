from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case files")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts.case_lookups import CaseLookups, register
        from casework import checks  # noqa: F401 - registers the system checks
        from casework.selectors import seen

        register(
            CaseLookups(
                object_type="casework.case",
                references=seen.references_for,
                resolve=seen.case_id_for,
                shared_with=seen.cases_shared_with,
            )
        )
