"""The custody log: append-only, chained, and checked by verify."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from dalil.evidence import custody
from dalil.evidence.append_only import AppendOnlyError
from dalil.evidence.models import CustodyEvent

pytestmark = pytest.mark.django_db


def three_events():
    return custody.append([
        custody.Event("acquired", "archivist", "caesar", "", {"source": "/media/usb1"}),
        custody.Event("ingested", "archivist", "caesar", "a" * 64, {"path": "215/١٢٣.jpg"}),
        custody.Event("sealed", "archivist", "caesar", "", {"root": "b" * 64}),
    ])


def test_it_chains_each_row_to_the_one_before():
    rows = three_events()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == custody.GENESIS
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert custody.check_chain() == []


def test_it_refuses_updates_and_deletes_through_the_orm():
    row = three_events()[1]
    row.actor = "someone else"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        CustodyEvent.objects.filter(seq=2).update(actor="x")
    with pytest.raises(AppendOnlyError):
        CustodyEvent.objects.all().delete()


def test_it_refuses_updates_and_deletes_in_sql_too():
    three_events()
    for statement in ("UPDATE evidence_custodyevent SET actor = 'x' WHERE seq = 2",
                      "DELETE FROM evidence_custodyevent WHERE seq = 3"):
        with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert CustodyEvent.objects.get(seq=2).actor == "archivist" and CustodyEvent.objects.count() == 3


def drop_triggers():
    # What someone with direct write access to the database file could do.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER evidence_custodyevent_no_update")
            cursor.execute("DROP TRIGGER evidence_custodyevent_no_delete")
        else:
            cursor.execute("ALTER TABLE evidence_custodyevent DISABLE TRIGGER evidence_custodyevent_append_only")


def test_it_names_an_edited_row_when_the_triggers_were_bypassed():
    three_events()
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE evidence_custodyevent SET actor = 'forger' WHERE seq = 2")
    assert custody.check_chain() == [
        "custody row #2 (ingested) was edited: its content no longer matches its hash"]


def test_it_names_a_removed_row():
    three_events()
    drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_custodyevent WHERE seq = 2")
    problems = custody.check_chain()
    assert "custody row #2 is missing (next row is #3)" in problems
    assert "custody row #3 does not point to the row before it (chain broken)" in problems


def test_it_keeps_arabic_details_hashable_round_trip():
    three_events()
    row = CustodyEvent.objects.get(seq=2)
    assert row.details["path"] == "215/١٢٣.jpg" and custody.hash_of(row) == row.hash
