"""Signals casework sends for apps that build on it (so casework imports none of them)."""

from django.dispatch import Signal

# A date that computed deadlines follow changed on a case: an absence start, a stay in a
# country, or (sent by evacuation) a visa date. Sent inside the service's transaction with
# ``case`` and ``by``; the deadlines app recomputes the case's computed deadlines.
case_dates_changed = Signal()
