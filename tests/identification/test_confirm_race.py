"""One confirmed identification per body and per report: a database constraint, and two reviewers racing.

The races run in threads, each with its own database connection, on committed
data (transaction=True). On SQLite the immediate transaction mode lets one
writer in at a time; on PostgreSQL the body's row lock queues them, and the
partial unique indexes stop them even when that lock is taken away.
"""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from dalil.identification import workflow
from dalil.identification.models import FollowUpMessage, Identification
from tests.identification.personas import make_case, make_report, person

State = Identification.State
POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def committed(transactional_db):
    """Committed data for threads to share; afterwards, the append-only rows (the audit log) are emptied with
    their triggers lifted for a moment, since pytest-django's SQLite flush deletes row by row and the triggers
    refuse that (PostgreSQL's flush truncates, which row triggers do not see)."""
    yield
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cursor.fetchall()
        for name, _, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        for table in sorted({table for _, table, _ in triggers}):
            cursor.execute(f'DELETE FROM "{table}"')
        for _, _, sql in triggers:
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def _people():
    from dalil.lib.roles import Role

    return {"caseworker": person("salma", Role.CASEWORKER), "first": person("khaled", Role.REVIEWER),
            "second": person("rania", Role.REVIEWER), "third": person("huda", Role.REVIEWER)}


def _two_families_on_one_body(people) -> tuple[Identification, Identification]:
    """Two reports, one body; both corroborated by the first reviewer (with the conflict seen)."""
    case = make_case()
    made = []
    for name in ("محمد", "سامر"):
        ident = workflow.propose(make_report(first_name_ar=name), case, people["caseworker"])
        made.append(workflow.corroborate(ident, people["first"], "numbers and dates", conflict_seen=True))
    return made[0], made[1]


def _race(calls) -> list:
    """Run each call in its own thread, released together; their results or exceptions, in order."""
    start = threading.Barrier(len(calls), timeout=30)
    results = [None] * len(calls)

    def run(i, call):
        from django.utils import translation

        try:
            translation.activate("en")  # the language is per thread: read the sentences in English here too
            start.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test reads what each thread got
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db
def test_it_refuses_a_second_confirmed_identification_in_the_database():
    people = _people()
    one, two = _two_families_on_one_body(people)
    Identification.objects.filter(pk=one.pk).update(state=State.CONFIRMED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Identification.objects.filter(pk=two.pk).update(state=State.CONFIRMED)  # same body, another report
    report_twice = workflow.propose(one.report, make_case(exam_no="2002"), people["caseworker"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Identification.objects.filter(pk=report_twice.pk).update(state=State.CONFIRMED)  # same report, another body
    assert Identification.objects.filter(state=State.CONFIRMED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_reviewers_confirming_at_once_succeed(committed):
    people = _people()
    one, two = _two_families_on_one_body(people)
    results = _race([lambda: workflow.confirm(one, people["second"], "checked"),
                     lambda: workflow.confirm(two, people["third"], "checked")])
    won = [r for r in results if isinstance(r, Identification)]
    lost = [r for r in results if isinstance(r, workflow.WorkflowError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "already confirmed for the family of report" in str(lost[0]) and lost[0].other.pk == won[0].pk
    assert Identification.objects.filter(state=State.CONFIRMED).count() == 1
    assert FollowUpMessage.objects.count() == 1  # only one family was told


@pytest.mark.django_db(transaction=True)
def test_it_turns_the_database_refusal_into_a_sentence(committed, monkeypatch):
    """The check before confirming passed (the other reviewer had not committed yet): the constraint answers."""
    people = _people()
    one, two = _two_families_on_one_body(people)
    workflow.confirm(one, people["second"], "checked")
    real = workflow.confirmed_elsewhere
    calls = []

    def stale_once(ident):
        calls.append(ident.pk)
        return (None, None) if len(calls) == 1 else real(ident)

    monkeypatch.setattr(workflow, "confirmed_elsewhere", stale_once)
    with pytest.raises(workflow.WorkflowError, match="already confirmed for the family of report") as refused:
        workflow.confirm(two, people["third"], "checked")
    assert refused.value.other.pk == one.pk
    two.refresh_from_db()
    assert two.state == State.CORROBORATED and FollowUpMessage.objects.count() == 1


@pytest.mark.skipif(not POSTGRES, reason="SQLite lets one writer in at a time: the race cannot reach the constraint")
@pytest.mark.django_db(transaction=True)
def test_it_stops_two_racing_confirmations_in_postgresql_even_without_the_row_lock(committed, monkeypatch):
    people = _people()
    one, two = _two_families_on_one_body(people)
    both_checked = threading.Barrier(2, timeout=30)
    real = workflow.confirmed_elsewhere
    seen = threading.local()

    def check_then_wait(ident):
        found = real(ident)
        if not getattr(seen, "waited", False):  # both reviewers pass the check before either writes
            seen.waited = True
            both_checked.wait()
        return found

    monkeypatch.setattr(workflow, "_lock_row", lambda model, pk: None)
    monkeypatch.setattr(workflow, "confirmed_elsewhere", check_then_wait)
    results = _race([lambda: workflow.confirm(one, people["second"], "checked"),
                     lambda: workflow.confirm(two, people["third"], "checked")])
    lost = [r for r in results if isinstance(r, workflow.WorkflowError)]
    assert sum(isinstance(r, Identification) for r in results) == 1 and len(lost) == 1, results
    assert "already confirmed" in str(lost[0])
    assert Identification.objects.filter(state=State.CONFIRMED).count() == 1
    assert FollowUpMessage.objects.count() == 1
