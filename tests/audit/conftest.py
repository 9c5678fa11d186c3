"""Each audit test stores its checkpoints in a folder of its own (never the checkout's var/)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    folder = tmp_path / "checkpoints"
    settings.WAYPOINT_CHECKPOINT_DIR = folder
    return folder
