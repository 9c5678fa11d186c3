"""The sections of a case file. Each section has its own data key (see casework.envelope)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact")
    LOCATION = "location", _("Location and route")
    LEGAL = "legal", _("Legal exposure")
    TESTIMONY = "testimony", _("Testimony")
    DOCUMENTS = "documents", _("Documents")
    NOTES = "notes", _("Notes")


SECTIONS: tuple[str, ...] = tuple(Section.values)
