"""The public contact page (/contact/) and its answers page (/contact/replies/).

For people who may be watched: no sign-in, no JavaScript (CSP allows no script at all), no
request to anyone but this site, and no cookie (forms carry signed tokens instead of a CSRF
cookie: intake.contact.tokens says why that is safe here). The reply phrase travels in POST
bodies only, never in a URL. The language is the browser's, or ``lang`` (a link or a hidden
field), since a language cookie is a cookie too.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.http import OTPHttpRequest
from casework.uploads import ERR_TOO_LARGE
from intake.contact import services, tokens
from intake.contact.forms import ContactForm, FollowUpForm, PhraseForm
from intake.contact.security import contact_page

ERR_ALREADY_SENT = _(
    "This form has already been sent once. If you did not get your reply phrase, write "
    "your message again."
)
ERR_BUSY = _(
    "We are receiving more messages than we can take right now. Nothing was saved. Please "
    "try again in an hour."
)
ERR_PHRASE_UNKNOWN = _(
    "These words do not open any conversation. Check each word and try again. Nothing was changed."
)
ERR_PHRASE_LIMIT = _(
    "This phrase has been used too often today. Nothing was changed. Please come back tomorrow."
)
ERR_FOLLOWUP_EXPIRED = _(
    "This page is too old to write from. Enter your reply phrase again, then write your message."
)
FOLLOWUP_SAVED = _("Your message has been added to your conversation.")
LANGUAGES = ("ru", "en")


def _language(request: OTPHttpRequest) -> str:
    chosen = request.POST.get("lang") or request.GET.get("lang") or ""
    return chosen if chosen in LANGUAGES else translation.get_language() or "en"


def _render(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    context = {**context, "organisation": services.contact_organisation()}
    return render(request, f"intake/{template}", context, status=status)


def _seconds_to_next_hour() -> int:
    return 3600 - int(time.time()) % 3600


def _attachment(request: OTPHttpRequest, form: ContactForm) -> tuple[bytes, str] | None:
    """The uploaded document's bytes and name, or None; a too large one is a form error."""
    limit = settings.WAYPOINT_CONTACT_MAX_UPLOAD_BYTES
    upload = request.FILES.get("document")
    too_large = "document" in getattr(request, "uploads_too_large", set())
    if too_large or (upload is not None and (upload.size or 0) > limit):
        form.add_error("document", ERR_TOO_LARGE % {"limit": max(1, limit // (1024 * 1024))})
        return None
    return (upload.read(), upload.name or "") if upload is not None else None


@login_not_required
@csrf_exempt
@contact_page
@require_http_methods(["GET", "POST"])
def contact(request: OTPHttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        if request.method == "GET":
            form = ContactForm(initial={"token": tokens.form_token_new()})
            return _render(request, "contact.html", {"form": form})
        return _submit(request)


def _submit(request: OTPHttpRequest) -> HttpResponse:
    form = ContactForm(request.POST, request.FILES)
    attachment = _attachment(request, form)
    status = 200
    if form.is_valid():
        token = form.cleaned_data["token"]
        if not tokens.form_token_spend(token):
            form.add_error(None, ERR_ALREADY_SENT)
        else:
            try:
                phrase, _conversation = services.contact_submit(
                    text=form.cleaned_data["message"],
                    attachment=attachment,
                    language=translation.get_language() or "en",
                )
            except services.OverBudget:
                tokens.form_token_unspend(token)
                form.add_error(None, ERR_BUSY)
                status = 429
            except ValidationError as error:
                tokens.form_token_unspend(token)
                form.add_error("document" if attachment else "message", error.messages)
            else:
                return _render(request, "contact_done.html", {"phrase": phrase.split()})
    # The form again with what was typed, under a new token.
    data = request.POST.copy()
    data["token"] = tokens.form_token_new()
    form.data = data
    response = _render(request, "contact.html", {"form": form}, status=status)
    if status == 429:
        response["Retry-After"] = str(_seconds_to_next_hour())
    return response


@login_not_required
@csrf_exempt
@contact_page
@require_http_methods(["GET", "POST"])
def replies(request: OTPHttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        if request.method == "POST" and "followup" in request.POST:
            return _follow_up(request)
        if request.method == "POST":
            return _read(request)
        return _render(request, "contact_replies.html", {"form": _phrase_form()})


def _phrase_form() -> PhraseForm:
    return PhraseForm(initial={"token": tokens.form_token_new()})


def _read(request: OTPHttpRequest) -> HttpResponse:
    form = PhraseForm(request.POST)
    if not form.is_valid():
        return _render(request, "contact_replies.html", {"form": _fresh(form)})
    try:
        found = services.contact_answers(phrase=form.cleaned_data["phrase"])
    except services.PhraseLimit:
        return _render(request, "contact_replies.html", {"form": _failed(ERR_PHRASE_LIMIT)}, 429)
    if found is None:
        return _render(request, "contact_replies.html", {"form": _failed(ERR_PHRASE_UNKNOWN)})
    follow_up = FollowUpForm(initial={"followup": tokens.followup_token_new(found.digest)})
    context = {"answers": found.answers, "sent": found.sent, "follow_up": follow_up}
    return _render(request, "contact_answers.html", context)


def _fresh(form: PhraseForm) -> PhraseForm:
    """The bound form again with a new token and without the typed phrase."""
    form.data = {"token": tokens.form_token_new(), "phrase": ""}
    return form


def _failed(error) -> PhraseForm:
    """An empty phrase form that shows ``error`` above its fields."""
    form = PhraseForm({"token": tokens.form_token_new(), "phrase": ""})
    form.full_clean()
    form.errors.clear()
    form.add_error(None, error)
    return form


def _follow_up(request: OTPHttpRequest) -> HttpResponse:
    form = FollowUpForm(request.POST)
    digest = tokens.followup_token_digest(request.POST.get("followup", ""))
    if digest is None:
        return _render(request, "contact_replies.html", {"form": _failed(ERR_FOLLOWUP_EXPIRED)})
    if not form.is_valid():
        return _render(request, "contact_answers.html", {"answers": None, "follow_up": form})
    try:
        saved = services.contact_follow_up(digest=digest, text=form.cleaned_data["message"])
    except services.PhraseLimit:
        return _render(request, "contact_replies.html", {"form": _failed(ERR_PHRASE_LIMIT)}, 429)
    except ValidationError as error:
        form.add_error("message", error.messages)
        return _render(request, "contact_answers.html", {"answers": None, "follow_up": form})
    if saved is None:
        return _render(request, "contact_replies.html", {"form": _failed(ERR_PHRASE_UNKNOWN)})
    return _render(
        request, "contact_replies.html", {"form": _phrase_form(), "saved": FOLLOWUP_SAVED}
    )
