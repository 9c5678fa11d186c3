"""Rotation: data keys re-wrapped under the newest key-encryption key; content is never
re-encrypted."""

from __future__ import annotations

from django.db import models, transaction

import vault
from casework.envelope.errors import SealedDataUnreadable, security_event
from casework.envelope.store import wrap_aad
from casework.models import CaseKey
from vault.locks import hold_sealing_lock


def current_kek_id() -> str:
    return vault.current_key_id()


def keys_to_rewrap() -> models.QuerySet:
    """Live data keys not wrapped by the newest KEK."""
    return CaseKey.objects.filter(shredded_at__isnull=True).exclude(kek_id=current_kek_id())


def rewrap_batch(*, batch_size: int = 500) -> int:
    """Re-wraps up to ``batch_size`` data keys under the newest KEK, in one transaction (the
    rows are locked; concurrent runs skip each other's rows). Returns how many. Content is
    never touched. Raises SealedDataUnreadable if a key cannot be unwrapped (its KEK is no
    longer in the keyring)."""
    with transaction.atomic():
        hold_sealing_lock()
        current = current_kek_id()
        rows = list(
            CaseKey.objects.select_for_update(skip_locked=True)
            .filter(shredded_at__isnull=True)
            .exclude(kek_id=current)
            .order_by("pk")[:batch_size]
        )
        for row in rows:
            aad = wrap_aad(row.case_id, row.section)
            try:
                key = vault.open(bytes(row.wrapped_key), aad=aad)
            except vault.DecryptionError:
                security_event("key_unwrap_failed", case=row.case_id, section=row.section)
                raise SealedDataUnreadable from None
            row.wrapped_key = vault.seal(key, aad=aad)
            row.kek_id = current
        CaseKey.objects.bulk_update(rows, ["wrapped_key", "kek_id"])
    return len(rows)
