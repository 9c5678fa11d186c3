"""The statistics pages: who sees what, what is published, the honest labels, the release list,
the CSVs and their audit events."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from stats.views import NOT_FOR_ROLE, NOTHING_YET
from tests.factories import UserFactory, totp_device
from tests.stats.conftest import publish_on

pytestmark = pytest.mark.django_db

DASHBOARD = "/stats/"
RELEASES = "/stats/releases/"


class TableParser(HTMLParser):
    """Every <table> of a page as lists of cell texts, and every link target."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[str] = []
        self._section = ""
        self._table: list[list[str]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "stats-table" in (attrs.get("class") or ""):
            self._section = attrs["id"]
        elif tag == "table":
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "caption":
            self._cell = None

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            self.tables[self._section] = self._table
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(response) -> TableParser:
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser


def numbers(tables) -> list[int]:
    return [int(c) for t in tables.values() for row in t[1:] for c in row[1:] if c.isdigit()]


@pytest.fixture
def released(stats_data):
    """Release 1 (cut-off August) and release 2 (cut-off September, "today")."""
    publish_on("2026-10-05")
    publish_on("2026-11-25")
    return stats_data


def test_a_coordinator_sees_every_organisation_together(signed_in, coordinator, released):
    response = signed_in(coordinator).get(DASHBOARD)
    assert response.status_code == 200
    page = parse(response)
    # Open cases of verified people at the end of September: Kazakhstan (Get Lost, 52) and
    # Armenia (elsewhere, 50).
    countries = {row[0]: row[1] for row in page.tables["countries"][1:]}
    assert countries["Kazakhstan"] == "50"
    assert countries["Armenia"] == "50"
    body = response.content.decode()
    assert "All partner organisations" in body
    assert "Release 2, as of the end of September 2026." in body


def test_an_org_admin_sees_only_their_own_organisation(signed_in, admin_getlost, released):
    response = signed_in(admin_getlost).get(DASHBOARD)
    assert response.status_code == 200
    countries = {row[0] for row in parse(response).tables["countries"][1:]}
    assert "Armenia" not in countries
    assert "Kazakhstan" in countries


@pytest.mark.parametrize("persona", ["caseworker_getlost", "lawyer_intransit", "outsider"])
def test_other_roles_are_refused_with_403(request, signed_in, persona, released):
    user = request.getfixturevalue(persona)
    client = signed_in(user)
    urls = (
        DASHBOARD,
        RELEASES,
        reverse("stats:release_csv", args=[2]),
        reverse("stats:table_csv", args=[2, "service", "2026"]),
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403
        assert str(NOT_FOR_ROLE) in response.content.decode()


def test_someone_without_an_organisation_gets_404(client, released):
    user = UserFactory()
    totp_device(user)
    from tests.conftest import sign_in

    client = sign_in(client, user)
    assert client.get(DASHBOARD).status_code == 404
    assert client.get(RELEASES).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, released):
    for url in (DASHBOARD, RELEASES):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]


def test_a_password_without_second_factor_sees_nothing(signed_in, coordinator, released):
    response = signed_in(coordinator, verified=False).get(DASHBOARD)
    assert response.status_code in (302, 403)
    assert b"Kazakhstan" not in response.content


def test_no_published_number_is_under_k_and_labels_say_what_they_mean(
    signed_in, coordinator, released
):
    response = signed_in(coordinator).get(DASHBOARD + "?year=2026")
    tables = parse(response).tables
    assert len(tables) >= 8
    assert all(n == 0 or n >= 10 for n in numbers(tables))
    assert all(n % 5 == 0 for n in numbers(tables))
    shown = [c for t in tables.values() for row in t for c in row]
    assert "fewer than 10" in shown
    assert "< 10" not in response.content.decode()
    assert not [c for c in shown if c.startswith("<")]


def test_a_cell_hidden_to_protect_another_reads_hidden_with_its_footnote(
    signed_in, coordinator, released
):
    """3 objectors in Serbia fold into "other countries"; Georgia's 25 are hidden beside them
    so that the total does not give the others away — as "hidden", not as "fewer than 10"."""
    response = signed_in(coordinator).get(DASHBOARD)
    countries = {row[0]: row[1] for row in parse(response).tables["countries"][1:]}
    assert "Serbia" not in countries
    assert countries["Other countries or not recorded"] == "fewer than 10"
    assert "hidden" in countries.values()
    body = response.content.decode()
    assert "“hidden”: not under the threshold itself" in body


def test_months_under_the_publication_delay_are_never_published(signed_in, coordinator, released):
    response = signed_in(coordinator).get(DASHBOARD)
    body = response.content.decode()
    requests = parse(response).tables["requests"]
    months = [row[0] for row in requests[1:]]
    assert months == ["March 2026", "April 2026", "May 2026", "June 2026"]
    assert "October 2026" not in body and "November 2026" not in body
    assert "Surrendered" in requests[0]
    assert all(row[requests[0].index("Surrendered")] == "fewer than 10" for row in requests[1:])


def test_only_predefined_years_can_be_asked_for(signed_in, coordinator, released):
    client = signed_in(coordinator)
    assert client.get(DASHBOARD + "?year=2025").status_code == 200
    for bad in ("2024", "2026-03", "all", "-1"):
        assert client.get(DASHBOARD + f"?year={bad}").status_code == 404


def test_the_page_links_to_no_case(signed_in, coordinator, released):
    response = signed_in(coordinator).get(DASHBOARD)
    page = parse(response)
    assert page.links
    assert not [link for link in page.links if "/cases/" in link]
    assert not re.search(r"T-\d{4}-\d{7}", response.content.decode())  # no case reference


def test_each_csv_is_exactly_the_table_on_the_page(signed_in, coordinator, released):
    client = signed_in(coordinator)
    response = client.get(DASHBOARD + "?year=2026")
    tables = parse(response).tables
    assert {"requests", "service", "countries", "outcome", "backlog", "unverified"} <= set(tables)
    csv_links = [link for link in parse(response).links if link.endswith(".csv")]
    assert len(csv_links) == len(tables)
    for code, link in zip(tables, csv_links, strict=True):
        response = client.get(link)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(response.content.decode())))
        assert lines == tables[code], code


def test_an_export_is_audited_without_personal_data(signed_in, coordinator, released):
    signed_in(coordinator).get(reverse("stats:table_csv", args=[2, "countries", "2026-09"]))
    event = AuditEvent.objects.filter(action="stats.exported").get()
    assert event.actor_id == coordinator.pk
    assert event.data["section"] == "countries"
    assert "Kazakhstan" not in str(event.data)


def test_unknown_tables_periods_and_releases_are_404(signed_in, coordinator, released):
    client = signed_in(coordinator)
    for path in (
        reverse("stats:table_csv", args=[2, "nope", "2026"]),
        reverse("stats:table_csv", args=[2, "service", "1999"]),
        reverse("stats:table_csv", args=[2, "countries", "2026-13"]),
        reverse("stats:table_csv", args=[2, "requests", "2026-10"]),  # under the delay
        reverse("stats:table_csv", args=[9, "requests", "2026"]),
        reverse("stats:release_csv", args=[9]),
    ):
        assert client.get(path).status_code == 404, path


def test_an_org_admin_cannot_download_another_scopes_table(signed_in, admin_getlost, released):
    """Own organisation only: Armenia is in the all-organisation countries table, never here."""
    body = signed_in(admin_getlost).get(reverse("stats:release_csv", args=[2])).content
    assert b"Armenia" not in body and b"Kazakhstan" in body


def test_before_any_release_the_page_says_nothing_is_published(signed_in, coordinator, stats_data):
    client = signed_in(coordinator)
    for url in (DASHBOARD, RELEASES):
        response = client.get(url)
        assert response.status_code == 200
        assert str(NOTHING_YET) in response.content.decode()
    assert not parse(client.get(DASHBOARD)).tables


def test_the_navigation_offers_statistics_to_coordinators_and_org_admins(
    signed_in, make_member, coordinator
):
    assert b'href="/stats/"' in signed_in(coordinator).get("/").content
    caseworker = make_member("get-lost", Role.CASEWORKER)
    assert b'href="/stats/"' not in signed_in(caseworker).get("/").content


def test_every_chart_is_an_svg_with_a_title_and_no_style_attribute(
    signed_in, coordinator, released
):
    body = signed_in(coordinator).get(DASHBOARD).content.decode()
    svgs = re.findall(r"<svg.*?</svg>", body, flags=re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        assert 'role="img"' in svg and "<title>" in svg
        assert "style=" not in svg
    assert " style=" not in body


def _case_urls(reference: str) -> list[str]:
    """Every URL of casework that names a case, filled with a real case's reference."""
    import uuid

    from casework import urls as casework_urls

    out = []
    for pattern in casework_urls.urlpatterns:
        names = set(pattern.pattern.converters)
        if "reference" not in names:
            continue
        kwargs = {"reference": reference}
        for extra in names - {"reference"}:
            kwargs[extra] = uuid.uuid4() if extra == "pk" else 1
        out.append(reverse(f"casework:{pattern.name}", kwargs=kwargs))
    return out


def test_a_coordinator_reaches_no_case_and_no_document(signed_in, coordinator, stats_data):
    from casework.models import Case

    reference = Case.objects.order_by("reference").first().reference
    client = signed_in(coordinator)
    urls = _case_urls(reference)
    assert len(urls) >= 10 and any("/documents/" in u for u in urls)
    for url in urls:
        # Whichever method the page accepts answers 404; the other one 405.
        got = client.get(url).status_code
        posted = client.post(url, HTTP_ORIGIN="http://testserver").status_code
        assert {got, posted} <= {404, 405} and 404 in {got, posted}, url
    assert client.get(reverse("casework:case_list")).status_code == 403


def test_the_release_list_names_each_release_its_tables_and_the_method(
    signed_in, coordinator, released
):
    response = signed_in(coordinator).get(RELEASES)
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "Release 1",
        "Release 2",
        "end of August 2026",
        "end of September 2026",
        "Counts under 10 are not shown: they read “fewer than 10”",
        "rounded to the nearest 5",
        "at least 30 days before the release",
        "“hidden”: not under the threshold itself",
        "Only verified people count as helped",
    ):
        assert text in body, text
    assert "Differential privacy" not in body
    links = parse(response).links
    assert reverse("stats:release_csv", args=[1]) in links
    assert reverse("stats:table_csv", args=[1, "requests", "2026-03"]) in links
    # Release 2 publishes September's snapshot and nothing of March again.
    second = body[body.index('id="release-2"') : body.index('id="release-1"')]
    assert "2026-03" not in second and "/outcome/2026-09.csv" in second


def test_a_whole_release_downloads_as_one_long_csv(signed_in, coordinator, released):
    response = signed_in(coordinator).get(reverse("stats:release_csv", args=[2]))
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == ["Table", "Period", "Row", "Column", "Value"]
    assert ["countries", "2026-09", "Kazakhstan", "people", "50"] in lines
    assert {line[0] for line in lines[1:]} >= {"requests", "service", "outcome", "countries"}
    assert all(v.isdigit() or v in ("fewer than 10", "hidden") for *_x, v in lines[1:])
    assert AuditEvent.objects.filter(action="stats.exported", data__section="release-2").exists()


def test_the_dashboard_reads_in_russian(signed_in, coordinator, released):
    client = signed_in(coordinator)
    client.post(reverse("set_language"), {"language": "ru", "next": DASHBOARD})
    body = client.get(DASHBOARD).content.decode()
    assert "Как защищены эти числа" in body
    assert "Другие страны или не указано" in body
    assert "How these numbers are protected" not in body
