"""What a case's status needs from the evacuation: a lawyer cannot review a dossier that does
not exist, nor a visa be decided that was never applied for (casework.workflow asks)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from casework.models import Case
from evacuation.models import Dossier, VisaApplication

ERR_NO_DOSSIER = _("Lawyer review needs a dossier: prepare one for a visa application first.")
ERR_NO_APPLICATION = _("This status needs a visa application on the case.")


def needs_dossier(case: Case):
    return None if Dossier.objects.filter(case=case).exists() else ERR_NO_DOSSIER


def needs_application(case: Case):
    return None if VisaApplication.objects.filter(case=case).exists() else ERR_NO_APPLICATION
