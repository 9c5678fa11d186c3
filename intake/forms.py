"""Forms of the triage queue and the reply box."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms.fields import LimitedForm
from casework.models import Case, LegalCategory, RiskLevel, ServiceCategory
from intake.services import REPLY_LIMIT


def _known(choices) -> list[tuple[str, str]]:
    return [(v, label) for v, label in choices if v != LegalCategory.UNKNOWN]


class TakeOnForm(forms.Form):
    legal_category = forms.ChoiceField(
        label=_("Legal category"), choices=[("", "—"), *_known(LegalCategory.choices)]
    )
    service_category = forms.ChoiceField(
        label=_("Service category"),
        choices=[("", "—"), *_known(ServiceCategory.choices)],
        required=False,
        help_text=_("Not needed for a resident of occupied Ukraine."),
    )
    risk_level = forms.ChoiceField(
        label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM
    )


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.reference} · {obj.person.pseudonym}"


class MergeForm(forms.Form):
    into = CaseChoiceField(
        label=_("Merge into"),
        queryset=Case.objects.none(),
        empty_label="—",
        help_text=_("Cases of your organisation you are assigned to."),
    )

    def __init__(self, *args, targets, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["into"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = targets


class DiscardForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, erase everything this intake holds."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class ReplyForm(LimitedForm):
    text = forms.CharField(
        label=_("Reply"), max_length=REPLY_LIMIT, widget=forms.Textarea(attrs={"rows": 4})
    )
