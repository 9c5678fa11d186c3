"""What an application server runs before it serves a request.

`manage.py` commands run Django's system checks, but gunicorn and other WSGI/ASGI servers do
not: without this, a production deployment missing its keyring would start and fail on the
first sealed field. Imported at the end of config/wsgi.py and config/asgi.py.
"""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def refuse_to_start_on_errors() -> None:
    """Raise ImproperlyConfigured, naming every check that failed (ids and messages only, never
    a setting's value), if any system check reports an error. Costs one run of the checks."""
    errors = [
        message
        for message in checks.run_checks(include_deployment_checks=False)
        if message.is_serious() and not message.is_silenced()
    ]
    if errors:
        raise ImproperlyConfigured(
            "Waypoint refuses to start: " + "; ".join(f"{m.id}: {m.msg}" for m in errors)
        )
