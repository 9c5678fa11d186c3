"""Forms of the case pages. They validate input; the services write.

Modules: ``fields`` (what every case form builds on: stated length limits, dates, lists),
``cases`` (a case, its sections, the case list), ``access`` (consent, referrals, break-glass,
lawyers' grants).
"""

from casework.forms.access import (
    BreakGlassForm,
    ConsentConfirmForm,
    ConsentForm,
    LawyerGrantForm,
    ReferralAssignForm,
    ReferralForm,
)
from casework.forms.cases import (
    AssignForm,
    CaseCreateForm,
    ContactForm,
    DocumentForm,
    ExposureForm,
    FilterForm,
    IdentityForm,
    LocationForm,
    LocationOpenForm,
    NoteForm,
    ScreeningForm,
    SearchForm,
    ShellForm,
    StatusForm,
    TestimonyForm,
)
from casework.forms.fields import (
    DateInput,
    DateTimeInput,
    LimitedForm,
    LinesField,
    PastDateField,
    text_field,
)

__all__ = [
    "AssignForm",
    "BreakGlassForm",
    "CaseCreateForm",
    "ConsentConfirmForm",
    "ConsentForm",
    "ContactForm",
    "DateInput",
    "DateTimeInput",
    "DocumentForm",
    "ExposureForm",
    "FilterForm",
    "IdentityForm",
    "LawyerGrantForm",
    "LimitedForm",
    "LinesField",
    "LocationForm",
    "LocationOpenForm",
    "NoteForm",
    "PastDateField",
    "ReferralAssignForm",
    "ReferralForm",
    "ScreeningForm",
    "SearchForm",
    "ShellForm",
    "StatusForm",
    "TestimonyForm",
    "text_field",
]
