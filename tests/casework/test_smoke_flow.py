from __future__ import annotations

from casework.models import Case


def test_a_caseworker_opens_a_case_and_reads_it_back(case_getlost):
    case = Case.objects.get(pk=case_getlost.pk)
    assert case.reference.startswith("GL-")
    assert case.envelope.open(case.person, "legal_name") == "Иванов Иван Иванович"
