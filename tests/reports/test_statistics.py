"""The figures, counted on a small archive made by the real ingest pipeline (see conftest.py)."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from dalil.evidence.models import Collection
from dalil.reports import statistics

pytestmark = pytest.mark.django_db


def _values(table):
    return {row.key: row.value for row in table.rows}


@pytest.fixture
def figures(archive):
    with translation.override("en"):
        return statistics.compute(Collection.objects.get(name=archive["collection"]))


def test_it_counts_photos_and_bodies_per_branch(figures):
    assert (figures.photos, figures.cases) == (5, 4)  # the exact copy is one photo; the broken file none
    assert _values(figures["cases_by_branch"]) == {"215": 3, "227": 1}
    assert _values(figures["photos_by_branch"]) == {"215": 4, "227": 1}
    assert [row.label for row in figures["cases_by_branch"].rows] == ["Branch 215", "Branch 227"]


def test_it_counts_bodies_per_month_with_the_empty_months_between(figures):
    months = figures["cases_by_period"]
    assert months.rows[0].key == "2012-05" and months.rows[-1].key == "2013-01" and len(months.rows) == 9
    assert _values(months)["2012-06"] == 2 and _values(months)["2012-09"] == 0 and months.total == 4
    assert sum(_values(figures["photos_by_period"]).values()) == 5  # photos fall back on their case's date


def test_it_counts_categories_injury_codes_and_how_many_cases_were_coded(figures):
    assert _values(figures["cases_by_category"]) == {"custody": 3, "soldier": 1}
    injuries = figures["injuries"]
    assert _values(injuries) == {"emaciation": 2, "ligature": 1} and injuries.total == 2 and not injuries.additive
    assert _values(figures["coding"]) == {"coded": 2, "not_coded": 2}


def test_it_follows_identifications_over_time(figures):
    progress = figures.progress
    assert progress.months == ["2024-01", "2024-02", "2024-03"]
    assert progress.monthly == {"reports": [3, 0, 0], "claimed": [1, 0, 1], "corroborated": [0, 1, 0],
                                "confirmed": [0, 0, 1]}
    assert progress.totals == {"reports": 3, "claimed": 2, "corroborated": 1, "confirmed": 1}
    assert _values(figures["identifications_by_state"]) == {"claimed": 1, "confirmed": 1}


def test_it_counts_copies_and_quarantine(figures):
    assert figures.counts["exact_copies"] == 1 and figures.counts["files"] == 6
    assert _values(figures["quarantine"]) == {"corrupt_image": 1}


def test_it_leaves_merged_cases_and_other_collections_out(archive, figures):
    from dalil.archive.models import BodyCase

    BodyCase.objects.filter(pk=archive["cases"]["1003"].pk).update(merged_into=archive["cases"]["1002"])
    assert statistics.compute(Collection.objects.get(name=archive["collection"])).cases == 3
    Collection.objects.create(name="empty")
    empty = statistics.compute(Collection.objects.get(name="empty"))
    assert (empty.photos, empty.cases, empty.tables["cases_by_branch"].rows) == (0, 0, [])


def test_it_finds_by_branch_and_by_year(archive):
    collection = Collection.objects.get(name=archive["collection"])
    with translation.override("en"):
        by_branch = statistics.findings(collection, by="branch")
        by_year = statistics.findings(collection, by="year")
    first = by_branch[0]
    assert (first["key"], first["cases"], first["photos"], first["coded"], first["first"], first["last"]) == (
        "215", 3, 4, 2, "2012-05", "2012-06")
    assert first["top_codes"] == [("emaciation", 2), ("ligature or strangulation marks", 1)]
    assert [(r["key"], r["cases"], r["photos"]) for r in by_year] == [("2012", 3, 4), ("2013", 1, 1)]


def test_the_statistics_command_prints_json_and_suppresses_for_the_public(archive, capsys):
    call_command("statistics", "--collection", archive["collection"], "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["cases"] == 4 and data["progress"][0] == ["2024-01", 3, 1, 0, 0]
    call_command("statistics", "--collection", archive["collection"], "--json", "--public")
    public = json.loads(capsys.readouterr().out)
    branches = next(t for t in public["tables"] if t["name"] == "cases_by_branch")
    assert [r["shown"] for r in branches["rows"]] == ["<5", "<5"] and branches["total"] is None
    assert "progress" not in public and not any(t["name"] == "quarantine" for t in public["tables"])
    assert public["totals"]["cases"] == "<5"
    with pytest.raises(CommandError, match="no collection named 'nope'"):
        call_command("statistics", "--collection", "nope")
