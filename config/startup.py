from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def refuse_to_start_on_errors() -> None:
    """An application server does not run system checks; a missing secret must still stop it."""
    errors = [m for m in checks.run_checks(include_deployment_checks=False) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{m.id}: {m.msg}" for m in errors))
