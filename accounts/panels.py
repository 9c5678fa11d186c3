"""Panels that higher apps add to the accounts pages (the API's tokens on the security page and
on the org admin's members page) without accounts importing them: each registers, when its app
is ready, a function of the request that returns a panel (template and context) or None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelSource = Callable[[Any], Panel | None]
_registered: dict[str, list[PanelSource]] = {}


def register(page: str, source: PanelSource) -> None:
    """``page``: "security" or "org_admin". Registering the same function twice is harmless."""
    sources = _registered.setdefault(page, [])
    if source not in sources:
        sources.append(source)


def panels_for(page: str, request: Any) -> list[Panel]:
    found = (source(request) for source in _registered.get(page, []))
    return [panel for panel in found if panel is not None]
