"""The attribute history statistics read (casework.models.history): a helper of the services
that change those attributes. Called inside their transaction, after the case is locked and
before the audit event, like any other write."""

from __future__ import annotations

import uuid

from casework.legal import current_article
from casework.models import AttributeChange, Case, LegalExposure, TrackedAttribute


def track(case: Case, **values: str | None) -> None:
    """Writes a history row for each attribute (a TrackedAttribute value) whose value differs
    from the latest one recorded for the case; None records "not known". One query, plus one
    insert if anything changed."""
    _track(case.pk, None, {name: value or "" for name, value in values.items()})


def track_exposure(exposure: LegalExposure) -> None:
    """The same for one legal exposure: its article, procedural stage and wanted level."""
    _track(
        exposure.case_id,
        exposure.pk,
        {
            # As the days absent have made it: statistics count what the case page shows.
            TrackedAttribute.EXPOSURE_ARTICLE: current_article(
                article=exposure.article, part=exposure.computed_part
            ),
            TrackedAttribute.EXPOSURE_STAGE: exposure.procedural_stage,
            TrackedAttribute.EXPOSURE_WANTED: exposure.wanted_level,
        },
    )


def _track(case_id: uuid.UUID, item: uuid.UUID | None, values: dict[str, str]) -> None:
    rows = AttributeChange.objects.filter(case_id=case_id, attribute__in=list(values))
    rows = rows.filter(item=item) if item is not None else rows.filter(item__isnull=True)
    latest = dict(rows.order_by("changed_month", "id").values_list("attribute", "value"))
    AttributeChange.objects.bulk_create(
        [
            AttributeChange(case_id=case_id, attribute=name, item=item, value=value)
            for name, value in values.items()
            if name not in latest or latest[name] != value
        ]
    )
