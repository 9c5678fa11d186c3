"""Seeds the reference tables an admin can then edit: countries with their default risk for
our clients (DOMAIN.md, "Evacuation and visas") and document types."""

from django.db import migrations

COUNTRIES = [
    # code, name, risk, why
    ("RU", "Russia", "critical", "Prosecution, the person is wanted"),
    ("BY", "Belarus", "critical", "Transit only; hands people over to Russia"),
    ("KZ", "Kazakhstan", "critical", "Handovers to Russia in 2022 and 2026"),
    ("AM", "Armenia", "high", "Russian base; critical in Gyumri"),
    ("KG", "Kyrgyzstan", "high", "Shared CIS wanted list"),
    ("UZ", "Uzbekistan", "high", "Shared CIS wanted list"),
    ("TJ", "Tajikistan", "high", "Shared CIS wanted list"),
    ("AZ", "Azerbaijan", "high", ""),
    ("MN", "Mongolia", "high", ""),
    ("RS", "Serbia", "high", "Medium-high; visible activists at risk"),
    ("GE", "Georgia", "medium", ""),
    ("TR", "Turkey", "medium", "Stay about 3 months"),
    ("AE", "United Arab Emirates", "medium", ""),
    ("IL", "Israel", "medium", ""),
    ("ME", "Montenegro", "medium", ""),
    ("UA", "Ukraine", "medium", ""),
    ("FR", "France", "low", ""),
    ("DE", "Germany", "low", ""),
    ("NL", "Netherlands", "low", ""),
    ("LT", "Lithuania", "low", ""),
    ("LV", "Latvia", "low", ""),
    ("EE", "Estonia", "low", ""),
    ("PL", "Poland", "low", ""),
    ("FI", "Finland", "low", ""),
    ("CZ", "Czechia", "low", ""),
    ("ES", "Spain", "medium", "A defector was killed here in 2024"),
    ("IT", "Italy", "low", ""),
    ("PT", "Portugal", "low", ""),
    ("CH", "Switzerland", "low", ""),
    ("GB", "United Kingdom", "low", ""),
    ("US", "United States", "low", ""),
    ("CA", "Canada", "low", ""),
    ("AR", "Argentina", "low", ""),
]

DOCUMENT_TYPES = [
    ("internal-passport", "Internal passport"),
    ("foreign-passport", "Foreign passport"),
    ("passport-confiscation", "Record of passport confiscation"),
    ("military-id", "Military ID"),
    ("contract", "Contract"),
    ("leave-or-hospital", "Leave or hospital papers"),
    ("summons", "Summons (paper with stamp)"),
    ("e-summons", "E-summons screenshot"),
    ("criminal-case", "Criminal-case papers"),
    ("wanted-list", "Wanted-list extract"),
    ("threats-to-family", "Threats to family"),
    ("expert-opinion", "Expert opinion on Russian law"),
    ("residence-papers", "Transit-country residence papers"),
    ("vetting-memo", "Vetting memo"),
    ("photo", "Photo"),
    ("other", "Other"),
]


def seed(apps, schema_editor):
    Country = apps.get_model("casework", "Country")
    DocumentType = apps.get_model("casework", "DocumentType")
    for code, name, risk, note in COUNTRIES:
        Country.objects.update_or_create(
            code=code, defaults={"name": name, "risk_level": risk, "risk_note": note}
        )
    for position, (code, name) in enumerate(DOCUMENT_TYPES):
        DocumentType.objects.update_or_create(
            code=code, defaults={"name": name, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
