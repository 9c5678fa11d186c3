"""The demo installation of `make run` (dev only): which app seeds what, and in which order.

Each app seeds its own rows in its own ``demo.py``; the order matters because each step builds
on the rows of the one before: personas (accounts), then their case files and the referral of
one case to InTransit (casework), deadlines on the new cases (deadlines), then the
referred case's dossier in review (evacuation), two statistics releases over all of it
(stats), and last two contact-page intakes, one answered (intake.contact). Every step is
idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.db import transaction

from accounts import demo as accounts_demo
from casework import demo as casework_demo
from deadlines import demo as deadlines_demo
from evacuation import demo as evacuation_demo
from intake import demo as intake_demo
from intake.contact import demo as contact_demo
from stats import demo as stats_demo
from vault.files import write_private


def seed(*, credentials: Path, cases: int, say: Callable[[str], None]) -> None:
    """Seeds the demo, writes the personas' logins to ``credentials`` (mode 0600) and reports
    each step through ``say``. ``cases`` tops each partner organisation up to that many case
    files. Slow: about a second per ten new cases."""
    with transaction.atomic():
        people, created = accounts_demo.seed_personas()
    write_private(credentials, json.dumps(people, indent=2, ensure_ascii=False) + "\n")
    say(
        f"Demo data: {len(accounts_demo.ORGANISATIONS)} organisations, {len(people)} personas "
        f"({created} new). Logins written to {credentials} (mode 0600)."
    )
    new_cases = casework_demo.top_up_cases(
        slugs=list(accounts_demo.PARTNERS), per_organisation=cases
    )
    deadlines_demo.seed_deadlines(cases=new_cases)
    say(f"Demo cases: {len(new_cases)} new, up to {cases} per organisation.")
    dossier = evacuation_demo.seed_dossier()
    say(f"Demo dossier: {dossier.get_status_display() if dossier else 'none'}.")
    releases = stats_demo.seed_releases()
    numbers = ", ".join(str(r.number) for r in releases) or "none new"
    say(f"Demo statistics releases: {numbers}.")
    say(f"Demo intakes: {intake_demo.seed_intakes()} new in Get Lost's triage queue.")
    phrase = contact_demo.seed_contact_intakes()
    say(
        "Demo contact page: an intake waiting in Get Lost's triage queue, and one answered "
        f"(read it at /contact/replies/ with the phrase: {phrase})."
    )
