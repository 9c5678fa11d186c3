"""The dossier export: a form for the recipient (and their age key), then the file. Needs a
fresh second factor; the caseworkers of the case and the reviewing lawyer only."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.security import require_recent_second_factor
from casework.forms import LimitedForm
from casework.models import Case
from casework.web import case_view, forbidden, require_section
from evacuation import services
from evacuation.export import ERR_NOT_EXPORTABLE, EXPORTABLE_STATUSES, SECTIONS_READ
from evacuation.models import DossierExport
from evacuation.selectors import case_dossiers, dossier_role

NO_DOSSIER_ROLE = _(
    "Only the case's assigned caseworkers and the dossier's reviewing lawyer can export it."
)


class ExportForm(LimitedForm):
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=120,
        help_text=_(
            "Who receives the file, such as a consulate or a partner organisation. "
            "It is printed on every page with the export's code."
        ),
    )
    age_recipient = forms.CharField(
        label=_("Recipient's age public key (optional)"),
        max_length=200,
        required=False,
        help_text=_("With a key, the file is encrypted so that only the recipient can open it."),
    )


def _download(export: DossierExport, data: bytes) -> HttpResponse:
    if export.encrypted:
        name, content_type = f"dossier-{export.code}.pdf.age", "application/octet-stream"
    else:
        name, content_type = f"dossier-{export.code}.pdf", "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
@require_recent_second_factor
def dossier_export(request: AuthenticatedHttpRequest, case: Case, pk) -> HttpResponse:
    dossier = get_object_or_404(case_dossiers(case=case), pk=pk)
    dossier.case = case
    if dossier_role(user=request.user, dossier=dossier) is None:
        return forbidden(request, NO_DOSSIER_ROLE)
    for section in SECTIONS_READ:
        require_section(request, case, section, write=False)
    form = ExportForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            export, data = services.dossier_export(
                dossier=dossier,
                by=request.user,
                recipient=form.cleaned_data["recipient"],
                age_recipient=form.cleaned_data["age_recipient"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return _download(export, data)
    return render(
        request,
        "evacuation/export.html",
        {
            "case": case,
            "dossier": dossier,
            "form": form,
            "refusal": None if dossier.status in EXPORTABLE_STATUSES else ERR_NOT_EXPORTABLE,
        },
    )
