"""Signals casework sends for apps that build on it (so casework imports none of them)."""

from django.dispatch import Signal

# A date that computed deadlines follow changed on a case: an absence start, a stay in a
# country, or (sent by evacuation) a visa date. Sent inside the service's transaction with
# ``case`` and ``by``; the deadlines app recomputes the case's computed deadlines.
case_dates_changed = Signal()

# A case was closed. Sent inside the closing service's transaction, after the case row is
# locked and saved, with ``case`` and ``by``: the deadlines app cancels the case's open
# deadlines and stops its welfare check-ins, so no reminder goes out for a closed case.
case_closed = Signal()
