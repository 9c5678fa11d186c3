"""Celery application. Tasks take ids only; messages are JSON.

With REDIS_URL set the broker is Redis; otherwise a filesystem broker under var/celery, so
that `make run` needs no server.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("waypoint")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_configure.connect
def _configure(sender: Celery, **kwargs: Any) -> None:
    from django.conf import settings

    conf = sender.conf
    conf.task_serializer = "json"
    conf.result_serializer = "json"
    conf.accept_content = ["json"]
    conf.task_acks_late = True
    conf.task_reject_on_worker_lost = True
    conf.worker_prefetch_multiplier = 1
    conf.task_ignore_result = True
    conf.task_time_limit = 300
    conf.task_soft_time_limit = 240
    conf.broker_connection_retry_on_startup = True
    # However many nodes run beat, one sends (config/beat.py).
    conf.beat_scheduler = "config.beat:SingleBeatScheduler"
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        queue = settings.CELERY_QUEUE_DIR
        folders = {name: queue / name for name in ("queue", "processed", "control")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        conf.broker_transport_options = {
            "data_folder_in": str(folders["queue"]),
            "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]),
            "control_folder": str(folders["control"]),
            "store_processed": False,
            "polling_interval": 0.1,
        }
    else:
        # A message a killed worker held comes back after this many seconds (acks late).
        conf.broker_transport_options = {
            "visibility_timeout": settings.WAYPOINT_BROKER_VISIBILITY_TIMEOUT,
            "unacked_restore_interval": min(10, settings.WAYPOINT_BROKER_VISIBILITY_TIMEOUT),
            "unacked_restore_throttle": 1,
        }


# Periodic jobs (celery beat). Times are UTC; tasks take ids only.
BEAT_SCHEDULE = {
    # An encrypted backup every night (ops.backups), pruned by retention; platform admins are
    # e-mailed if it fails.
    "ops-backup-nightly": {
        "task": "ops.tasks.backup_task",
        "schedule": crontab(hour=2, minute=10),
    },
    # Recompute the whole audit chain every night; platform admins are e-mailed if it fails.
    "audit-verify-chain-nightly": {
        "task": "audit.tasks.verify_audit_chain_task",
        "schedule": crontab(hour=2, minute=40),
    },
    # Sign the verified head and store it outside the database (audit.checkpoints).
    "audit-store-checkpoint-nightly": {
        "task": "audit.tasks.store_checkpoint_task",
        "schedule": crontab(hour=2, minute=55),
    },
    # Statistics: recompute the summary table nightly (published months only).
    "stats-refresh-summary-nightly": {
        "task": "stats.tasks.refresh_summary_task",
        "schedule": crontab(hour=3, minute=10),
    },
    # Art. 337: the part each absence has reached (before the statistics refresh).
    "casework-absence-parts-daily": {
        "task": "casework.tasks.refresh_absence_parts_task",
        "schedule": crontab(hour=2, minute=50),
    },
    # Reminders: claim what came due and queue the content-free digests.
    "deadlines-reminders-scan": {
        "task": "deadlines.tasks.reminders_scan_task",
        "schedule": 300.0,
    },
    # Missed welfare check-ins escalate to the caseworkers and the organisation's admins.
    "deadlines-checkins-escalate": {
        "task": "deadlines.tasks.checkins_escalate_task",
        "schedule": 300.0,
    },
    # Retention: warn 14 days ahead, then crypto-shred the sections whose time has come.
    "deadlines-retention-daily": {
        "task": "deadlines.tasks.retention_run_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Key-encryption key epochs: a new sealing key every WAYPOINT_KEK_EPOCH_DAYS, re-wrapping,
    # and old keys retired once the backups made under them have expired.
    "casework-kek-epoch-hourly": {
        "task": "casework.tasks.kek_epoch_task",
        "schedule": crontab(minute=25),
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE

app.autodiscover_tasks()
# The contact page's tasks live in a package inside the intake app (intake/contact/tasks.py).
app.autodiscover_tasks(["intake.contact"])
