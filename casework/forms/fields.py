"""What every case form builds on: length limits stated under each field, dates, lists of
values one per line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from casework import limits
from casework.limits import LIMIT_HELP, LINES_LIMIT_HELP, grouped
from casework.models import (
    Country,
)

ERR_FUTURE = _("This date lies in the future.")
ERR_UNKNOWN_COUNTRY = _("Use two-letter country codes from the list, such as RU or KZ.")
LINES_HELP = _("One per line.")


def lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class DateInput(forms.DateInput):
    input_type = "date"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"


class PastDateField(forms.DateField):
    widget = DateInput

    def validate(self, value) -> None:
        super().validate(value)
        if value and value > timezone.now().date():
            raise forms.ValidationError(ERR_FUTURE)


class LimitedForm(forms.Form):
    """A form that states each text field's length limit under it (casework.limits)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, LinesField):
                stated = LINES_LIMIT_HELP % {"count": limits.LINES, "limit": grouped(limits.NAME)}
            elif (limit := getattr(field, "max_length", None)) and not isinstance(
                field.widget, forms.HiddenInput
            ):
                stated = LIMIT_HELP % {"n": limit, "limit": grouped(limit)}
            else:
                continue
            field.help_text = format_lazy("{} {}", field.help_text, stated).strip()

    def focus_order(self) -> list[str]:
        """The fields' names in the order the page shows them."""
        return list(self.fields)

    def add_error(self, field: Any, error: Any) -> None:
        super().add_error(field, error)
        errors = self.errors  # set by now: add_error runs during or after cleaning
        # The page comes back with the cursor on the first field to correct: a keyboard or
        # screen-reader user lands on it and hears its error (Django ties the error to the
        # field with aria-describedby and aria-invalid).
        first = next(
            (
                name
                for name in self.focus_order()
                if name in errors and not self.fields[name].widget.is_hidden
            ),
            None,
        )
        if first is not None:
            for each in self.fields.values():
                each.widget.attrs.pop("autofocus", None)
            self.fields[first].widget.attrs["autofocus"] = True


def text_field(label, limit: int, *, rows: int = 3, required: bool = False, **kwargs):
    """A text area of at most ``limit`` characters (the form states the limit)."""
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class LinesField(forms.CharField):
    """Several values, one per line: at most limits.LINES of them, each of at most
    limits.NAME characters."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", LINES_HELP)
        kwargs.setdefault("max_length", (limits.NAME + 1) * limits.LINES)
        super().__init__(*args, **kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        limits.check_lines(value)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    # A CharField whose cleaned value is a list of lines, not a string.
    def to_python(self, value) -> list[str]:  # type: ignore[override]
        return lines(super().to_python(value) or "")


def country_choices():
    """The countries by their name in the active language (CLDR), with the ISO code."""
    countries = sorted(Country.objects.all(), key=lambda c: c.label.casefold())
    return [("", "—")] + [(c.code, f"{c.label} ({c.code})") for c in countries]


def person_label(user: Any) -> str:
    return user.display_name or user.email


def frozen_label(user: Any) -> str:
    """A member's name, saying so when the account is frozen (their cases need someone)."""
    if getattr(user, "frozen_at", None) is not None:
        return str(_("%(name)s (frozen)") % {"name": person_label(user)})
    return person_label(user)


def choose_from(
    form: forms.Form, name: str, queryset: Any, label: Callable[[Any], str] | None = None
) -> None:
    """Sets a model choice field's queryset, and how its choices are labelled, at run time."""
    field = cast(forms.ModelChoiceField, form.fields[name])
    field.queryset = queryset
    if label is not None:
        # A label per instance: the stubs allow only overriding the method in a subclass.
        field.label_from_instance = label  # type: ignore[method-assign,assignment]
