"""Seeds the dossier templates (DOMAIN.md: a dossier needs identity, proof of service, the
summons, criminal exposure, a persecution narrative with threats, screening and vetting, an
expert opinion). An admin edits them; a dossier copies its checklist when it is created."""

from django.db import migrations

# document type code: required
COMMON = {
    "internal-passport": True,
    "military-id": True,
    "contract": False,
    "summons": False,
    "e-summons": False,
    "criminal-case": False,
    "wanted-list": False,
    "threats-to-family": False,
    "expert-opinion": True,
    "vetting-memo": True,
}
TEMPLATES = {
    # The French precedent: admitted without passports after vetting in Kazakhstan.
    "fr_humanitarian": {**COMMON, "passport-confiscation": False},
    "schengen_ltv": {**COMMON, "foreign-passport": True},
    "de_22": {**COMMON, "foreign-passport": False},
    "de_national_d": {**COMMON, "foreign-passport": True},
    "asylum_border": {**COMMON, "vetting-memo": False},
    "asylum_after_entry": {**COMMON, "vetting-memo": False},
    "transit_protection": {**COMMON, "residence-papers": False, "vetting-memo": False},
    "ukrainian_protection": {"internal-passport": False, "residence-papers": False},
}


def seed(apps, schema_editor):
    DocumentType = apps.get_model("casework", "DocumentType")
    Requirement = apps.get_model("evacuation", "DossierRequirement")
    types = {t.code: t for t in DocumentType.objects.all()}
    # "route" here, "route_id" once the route is a foreign key (tests seed again with the
    # current models after a transactional test emptied the tables; routes first).
    route_column = Requirement._meta.get_field("route").attname
    for route, items in TEMPLATES.items():
        for position, (code, required) in enumerate(items.items()):
            if code in types:
                Requirement.objects.update_or_create(
                    **{route_column: route},
                    document_type=types[code],
                    defaults={"required": required, "position": position * 10},
                )


class Migration(migrations.Migration):
    dependencies = [
        ("evacuation", "0001_initial"),
        ("casework", "0002_seed_countries_and_document_types"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
