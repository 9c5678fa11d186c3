"""Edit forms of the sections, testimonies, notes and documents. Each opens only the section
it edits (audited as case.section.viewed when the form shows existing content)."""

from __future__ import annotations

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from casework import services
from casework.forms import (
    ContactForm,
    DocumentForm,
    ExposureForm,
    IdentityForm,
    LocationForm,
    NoteForm,
    ScreeningForm,
    TestimonyForm,
)
from casework.models import Case, Document, LegalExposure, Testimony
from casework.sections import Section
from casework.selectors import row_values
from casework.uploads import too_large_message
from casework.web import case_view, require_section, save_form

SAVED = _("The section has been saved.")
TESTIMONY_ADDED = _("The statement has been added.")
TESTIMONY_REVISED = _("A new version of the statement has been saved.")
SCREENED = _("The screening has been recorded.")
NOTE_ADDED = _("The note has been added.")
DOCUMENT_ADDED = _("The document has been stored, without its metadata.")


def _page(request, case: Case, form, title, *, section: str, multipart: bool = False):
    return render(
        request,
        "casework/section_form.html",
        {
            "case": case,
            "form": form,
            "title": title,
            "section_label": Section(section).label,
            "multipart": multipart,
        },
    )


def _save(request, case: Case, form, call, success) -> HttpResponse | None:
    return save_form(request, form, call, success, to=case)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def identity_edit(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.IDENTITY)
    person = case.person
    if request.method == "POST":
        form = IdentityForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.person_update_identity(
                    case=case, by=request.user, **form.cleaned_data
                ),
                SAVED,
            )
            if done:
                return done
    else:
        values = row_values(case, person, Section.IDENTITY)
        services.section_viewed(case=case, by=request.user, sections=[Section.IDENTITY])
        form = IdentityForm(initial={"pseudonym": person.pseudonym, **values})
    return _page(request, case, form, _("Identity"), section=Section.IDENTITY)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def contact_edit(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.CONTACT)
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.person_update_contact(
                    case=case, by=request.user, **form.cleaned_data
                ),
                SAVED,
            )
            if done:
                return done
    else:
        values = row_values(case, case.person, Section.CONTACT)
        services.section_viewed(case=case, by=request.user, sections=[Section.CONTACT])
        form = ContactForm(initial=values)
    return _page(request, case, form, _("Contact"), section=Section.CONTACT)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def location_edit(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.LOCATION)
    location = getattr(case, "location", None)
    if request.method == "POST":
        form = LocationForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.location_update(case=case, by=request.user, **form.cleaned_data),
                SAVED,
            )
            if done:
                return done
    else:
        initial = {}
        if location is not None:
            initial = row_values(case, location, Section.LOCATION)
            initial.update(country=location.country_id, legal_basis=location.legal_basis)
            services.section_viewed(case=case, by=request.user, sections=[Section.LOCATION])
        form = LocationForm(initial=initial)
    return _page(request, case, form, _("Location and route"), section=Section.LOCATION)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def exposure_edit(request: AuthenticatedHttpRequest, case: Case, pk=None) -> HttpResponse:
    require_section(request, case, Section.LEGAL)
    exposure = None
    if pk is not None:
        exposure = get_object_or_404(LegalExposure, pk=pk, case=case)
    if request.method == "POST":
        form = ExposureForm(request.POST)
        if form.is_valid():
            if exposure is None:

                def call():
                    return services.exposure_add(case=case, by=request.user, **form.cleaned_data)
            else:

                def call():
                    return services.exposure_update(
                        exposure=exposure, by=request.user, **form.cleaned_data
                    )

            done = _save(request, case, form, call, SAVED)
            if done:
                return done
    else:
        initial = {}
        if exposure is not None:
            initial = row_values(case, exposure, Section.LEGAL)
            initial.update(
                article=exposure.article,
                during_mobilisation=exposure.during_mobilisation,
                procedural_stage=exposure.procedural_stage,
                wanted_level=exposure.wanted_level,
                exit_ban=exposure.exit_ban,
                passport_confiscated=exposure.passport_confiscated,
            )
            services.section_viewed(case=case, by=request.user, sections=[Section.LEGAL])
        form = ExposureForm(initial=initial)
    title = _("Legal exposure") if exposure else _("Add a legal exposure")
    return _page(request, case, form, title, section=Section.LEGAL)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def testimony_add(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.TESTIMONY)
    form = TestimonyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            case,
            form,
            lambda: services.testimony_add(case=case, by=request.user, **form.cleaned_data),
            TESTIMONY_ADDED,
        )
        if done:
            return done
    return _page(request, case, form, _("Add a statement"), section=Section.TESTIMONY)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def testimony_revise(request: AuthenticatedHttpRequest, case: Case, number: int) -> HttpResponse:
    require_section(request, case, Section.TESTIMONY)
    current = case.testimonies.filter(number=number).order_by("-version").first()
    if current is None:
        raise Http404
    if request.method == "POST":
        form = TestimonyForm(request.POST)
        if form.is_valid():
            done = _save(
                request,
                case,
                form,
                lambda: services.testimony_revise(
                    testimony=current, by=request.user, **form.cleaned_data
                ),
                TESTIMONY_REVISED,
            )
            if done:
                return done
    else:
        services.section_viewed(case=case, by=request.user, sections=[Section.TESTIMONY])
        form = TestimonyForm(
            initial={
                "language": current.language,
                "consent_dossier": current.consent_dossier,
                **row_values(case, current, Section.TESTIMONY),
            }
        )
    return _page(request, case, form, _("Revise the statement"), section=Section.TESTIMONY)


@require_POST
@case_view
def testimony_screen(request: AuthenticatedHttpRequest, case: Case, pk) -> HttpResponse:
    require_section(request, case, Section.TESTIMONY)
    testimony = get_object_or_404(Testimony, pk=pk, case=case)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        done = _save(
            request,
            case,
            form,
            lambda: services.testimony_screen(
                testimony=testimony, by=request.user, screening=form.cleaned_data["screening"]
            ),
            SCREENED,
        )
        if done:
            return done
    return _page(request, case, form, _("War-crimes screening"), section=Section.TESTIMONY)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def note_add(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.NOTES)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = _save(
            request,
            case,
            form,
            lambda: services.note_add(case=case, by=request.user, **form.cleaned_data),
            NOTE_ADDED,
        )
        if done:
            return done
    return _page(request, case, form, _("Add a note"), section=Section.NOTES)


@require_http_methods(["GET", "HEAD", "POST"])
@case_view
def document_upload(request: AuthenticatedHttpRequest, case: Case) -> HttpResponse:
    require_section(request, case, Section.DOCUMENTS)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        too_large = "file" in getattr(request, "uploads_too_large", ())
        if too_large:
            # The handler dropped the file; say why instead of "this field is required".
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", too_large_message())
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            done = _save(
                request,
                case,
                form,
                lambda: services.document_upload(
                    case=case,
                    by=request.user,
                    document_type=form.cleaned_data["document_type"],
                    data=upload.read(),
                    original_name=upload.name or "",
                    description=form.cleaned_data["description"],
                ),
                DOCUMENT_ADDED,
            )
            if done:
                return done
    return _page(
        request, case, form, _("Add a document"), section=Section.DOCUMENTS, multipart=True
    )


@require_GET
@case_view
def document_download(request: AuthenticatedHttpRequest, case: Case, pk) -> StreamingHttpResponse:
    require_section(request, case, Section.DOCUMENTS, write=False)
    document = get_object_or_404(Document, pk=pk, case=case)
    stream = services.document_stream(document=document, by=request.user)
    response = StreamingHttpResponse(stream, content_type=document.content_type)
    response["Content-Length"] = str(document.size)
    # A neutral file name: the original may carry the person's name onto a seized laptop.
    response["Content-Disposition"] = (
        f'attachment; filename="document-{document.seq}.{document.extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response
