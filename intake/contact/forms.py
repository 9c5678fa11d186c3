"""The contact page's forms: a first message, the phrase to read answers, a follow-up.

Each carries a token in a hidden field instead of a CSRF cookie (intake.contact.tokens)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from intake.contact import phrases, tokens

ERR_FORM_EXPIRED = _(
    "This form is too old or was not made by this site. Your text is still below: send it again."
)
ERR_PHRASE_SHAPE = _("A reply phrase is six words. Check that you typed all of them.")
ERR_CONSENT = _("Without your agreement we cannot keep your message.")


def _limit_message(field: forms.Field) -> None:
    """The message's length limit (a setting, so read when the form is made)."""
    limit = settings.WAYPOINT_CONTACT_MAX_CHARS
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)


class _TokenForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if not tokens.form_token_valid(token):
            raise forms.ValidationError(ERR_FORM_EXPIRED)
        return token


class ContactForm(_TokenForm):
    message = forms.CharField(
        label=_("Your message"),
        help_text=_(
            "What happened, what you need, and how we may reach you if you want us to "
            "(for example a Signal or Telegram name). Do not write your unit's number."
        ),
        widget=forms.Textarea(attrs={"rows": 10, "autocomplete": "off", "spellcheck": "false"}),
        strip=True,
    )
    document = forms.FileField(
        label=_("One document (optional)"),
        help_text=_(
            "A photo or scan (JPEG, PNG, WebP) or a PDF. Location data and other hidden "
            "details are removed before it is stored."
        ),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my message is stored encrypted and read by the organisation's "
            "caseworkers, who may answer me here."
        ),
        error_messages={"required": ERR_CONSENT},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limit_message(self.fields["message"])


class PhraseForm(_TokenForm):
    phrase = forms.CharField(
        label=_("Your reply phrase"),
        help_text=_("The six words you were given when you wrote to us."),
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_phrase(self) -> str:
        phrase = self.cleaned_data["phrase"]
        if not phrases.looks_like_phrase(phrase):
            raise forms.ValidationError(ERR_PHRASE_SHAPE)
        return phrases.normalise(phrase)


class FollowUpForm(forms.Form):
    """A follow-up from the answers page; ``followup`` is the sealed, short-lived token that
    stands for the phrase (tokens.followup_token_new)."""

    followup = forms.CharField(widget=forms.HiddenInput, max_length=400)
    message = forms.CharField(
        label=_("Write to us again"),
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        strip=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _limit_message(self.fields["message"])
