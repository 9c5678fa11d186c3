"""stats.control: disclosure control across tables, versions and views, on hand-made tables.

Each test builds what a release would publish, shows that the naive publication leaks (the
violation exists), lets ``repair`` hide more, and checks that nothing leaks any more.
"""

from __future__ import annotations

import pytest

from stats.control import (
    ALL,
    TOTAL,
    Knowledge,
    Shape,
    TableView,
    Version,
    find_violation,
    repair,
)
from stats.publication import build_version, initial_view, shape_for

K = 10


def one_way(table: str, keys: list[str]) -> Shape:
    return Shape(
        table=table,
        rows=tuple((key, frozenset([key])) for key in keys),
        cols=("",),
        row_totals=False,
        col_totals=True,
    )


def atoms(table: str, **values: int) -> dict:
    return {(table, key, ""): n for key, n in values.items()}


def view(shape: Shape, *hidden: str) -> TableView:
    return TableView(
        shape, hidden={(shape.table, key if key != "total" else TOTAL, "") for key in hidden}
    )


def test_a_total_shown_in_a_linked_table_gives_away_a_hidden_one():
    """Requests and service mix of a month count the same cases: a total hidden in one is
    read from the other, and with it the hidden cell."""
    requests, service = one_way("requests", ["x", "y"]), one_way("service", ["u", "v"])
    version = Version(
        counts={"org": {**atoms("requests", x=20, y=3), **atoms("service", u=13, v=10)}},
        views={ALL: {"requests": view(requests, "y", "total"), "service": view(service, "u", "v")}},
        links=(("requests", "service"),),
    )
    assert find_violation(Knowledge(version, (ALL,)), [], k=K) is not None
    unlinked = Version(version.counts, version.views, links=())
    assert find_violation(Knowledge(unlinked, (ALL,)), [], k=K) is None  # the link matters
    assert repair(version, scope=ALL, combo=(ALL,), olds=[], k=K) >= 1
    assert find_violation(Knowledge(version, (ALL,)), [], k=K) is None


def test_a_snapshot_may_not_move_a_figure_by_fewer_than_k():
    """Kazakhstan 15 -> 14 and Turkey 10 -> 11 between two releases: one person moved. Both
    figures are hidden in the new release; the total, unchanged, stays."""
    shape = one_way("countries", ["KZ", "TR"])
    old = Version({"o": atoms("countries", KZ=15, TR=10)}, {ALL: {"countries": view(shape)}})
    new = Version({"o": atoms("countries", KZ=14, TR=11)}, {ALL: {"countries": view(shape)}})
    olds = [Knowledge(old, (ALL,))]
    violation = find_violation(Knowledge(new, (ALL,)), olds, k=K)
    assert violation is not None and violation.kind == "pair"
    repair(new, scope=ALL, combo=(ALL,), olds=olds, k=K)
    assert new.views[ALL]["countries"].hidden == {("countries", "KZ", ""), ("countries", "TR", "")}
    assert find_violation(Knowledge(new, (ALL,)), olds, k=K) is None


def test_a_count_under_k_does_not_become_a_number_one_change_away():
    """Turkey 9 (hidden) -> 10: whoever knows of the one arrival would read the 9. Hidden."""
    shape = one_way("countries", ["KZ", "TR"])
    old = Version(
        {"o": atoms("countries", KZ=30, TR=9)}, {ALL: {"countries": view(shape, "TR", "total")}}
    )
    old_knowledge = Knowledge(old, (ALL,))
    assert old_knowledge.known((frozenset([("countries", "TR", "")]), ALL)) is None
    new = Version({"o": atoms("countries", KZ=30, TR=10)}, {ALL: {"countries": view(shape)}})
    repair(new, scope=ALL, combo=(ALL,), olds=[old_knowledge], k=K)
    assert ("countries", "TR", "") in new.views[ALL]["countries"].hidden
    assert Knowledge(new, (ALL,)).known((frozenset([("countries", "TR", "")]), ALL)) is None


def test_a_change_of_k_or_more_is_published():
    shape = one_way("countries", ["KZ", "TR"])
    old = Version({"o": atoms("countries", KZ=15, TR=10)}, {ALL: {"countries": view(shape)}})
    new = Version({"o": atoms("countries", KZ=25, TR=20)}, {ALL: {"countries": view(shape)}})
    assert repair(new, scope=ALL, combo=(ALL,), olds=[Knowledge(old, (ALL,))], k=K) == 0


def test_an_organisation_view_beside_the_all_view_must_not_show_the_rest_under_k():
    """Get Lost has 100 cases, another organisation 5: the coordinator who is also Get Lost's
    admin would read 105 - 100 = 5. Get Lost's own view hides more; the all view is kept."""
    shape = one_way("requests", ["deserter", "evader"])
    counts = {
        "gl": atoms("requests", deserter=60, evader=40),
        "other": atoms("requests", deserter=5),
    }
    version = Version(counts, {ALL: {"requests": view(shape)}, "gl": {"requests": view(shape)}})
    assert find_violation(Knowledge(version, (ALL,)), [], k=K) is None
    violation = find_violation(Knowledge(version, (ALL, "gl")), [], k=K)
    assert violation is not None and violation.target[1] in ("rest", "all")
    repair(version, scope="gl", combo=(ALL, "gl"), olds=[], k=K)
    assert version.views[ALL]["requests"].hidden == set()
    assert version.views["gl"]["requests"].hidden
    assert find_violation(Knowledge(version, (ALL, "gl")), [], k=K) is None


def test_repair_fails_loudly_rather_than_publish_a_leak():
    """When hiding everything in the deciding view cannot help (the leak is in the other
    view alone), it raises instead of publishing."""
    shape = one_way("requests", ["x", "y"])
    version = Version(
        {"o": atoms("requests", x=20, y=3)}, {ALL: {"requests": view(shape, "y")}, "o": {}}
    )
    with pytest.raises(AssertionError):
        repair(version, scope="o", combo=(ALL, "o"), olds=[], k=K)


def test_build_version_protects_a_month_of_requests_and_service_mix_in_every_view():
    counts = {
        "gl": {**atoms("requests", deserter=30, objector=4), **atoms("service", mobilised=34)},
        "other": {**atoms("requests", deserter=12), **atoms("service", mobilised=8, officer=4)},
    }
    version, universe = build_version("opened", counts, olds=[], k=K, base=5)
    assert set(version.views) == {ALL, "gl", "other"}
    assert universe["requests"][:2] == ["deserter", "objector"]
    for combo in [(ALL,), (ALL, "gl"), (ALL, "other")]:
        assert find_violation(Knowledge(version, combo), [], k=K) is None
    # The organisations' 12 and 30 deserters are shown in their own views; 42 in all.
    assert ("requests", "deserter", "") not in version.views[ALL]["requests"].hidden


def test_a_republished_period_does_not_show_one_corrected_case():
    """August, deserter 10 -> 9 and surrendered 9 -> 10 after a correction: the new version
    shows neither as a number that differs by one from the first publication."""
    first = {"gl": {**atoms("requests", deserter=10, surrendered=9, evader=16)}}
    first["gl"].update(atoms("service", mobilised=35))
    old, _u = build_version("opened", first, olds=[], k=K, base=5)
    second = {"gl": {**atoms("requests", deserter=9, surrendered=10, evader=16)}}
    second["gl"].update(atoms("service", mobilised=35))
    new, _u = build_version("opened", second, olds=[old], k=K, base=5)
    for combo in [(ALL,), (ALL, "gl")]:
        knowledge = Knowledge(new, combo)
        assert find_violation(knowledge, [Knowledge(old, combo)], k=K) is None
        assert knowledge.known((frozenset([("requests", "surrendered", "")]), ALL)) is None


def test_initial_view_hides_small_cells_and_shape_for_folds_small_rows():
    values = atoms("countries", KZ=40, GE=25, RS=3, **{"": 2})
    from stats.breakdowns import BY_CODE

    breakdown = BY_CODE["crisis_quarter"]  # fixed labels: no database needed
    shape = shape_for(breakdown, ["detained_abroad", "extradition"], {}, k=K)
    assert [row for row, _raws in shape.rows] == ["detained_abroad", "extradition"]
    folding = Shape("countries", (), ("",), False, True)
    assert folding.figures() == [(("countries", TOTAL, ""), frozenset())]
    shape = one_way("countries", ["KZ", "GE", "RS", ""])
    protected = initial_view(shape, values, k=K, base=5)
    assert ("countries", "RS", "") in protected.hidden
    assert ("countries", "", "") in protected.hidden
