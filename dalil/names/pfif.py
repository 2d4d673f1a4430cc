"""Links between reports as PFIF 1.4 notes, for `dalil export pfif`.

PFIF marks two person records as one person with a note whose
linked_person_record_id names the other record (Google Person Finder's
"possible duplicate" links). Each report a caseworker linked to this one gives
one such note, from the home domain; its id is fixed by the pair, so exporting
again writes the same note. Nothing here reaches a family: PFIF goes to
organisations, under their export profile.

The exporter (dalil.exchange.pfif.exporter) cannot import dalil.names (names
sits above exchange): it asks the functions registered in
dalil.exchange.pfif.exporter.NOTE_SOURCES, where dalil.names.apps puts
`link_notes` when that hook exists.
"""

from dalil.names.models import DuplicateCandidate


def link_notes(rec, report, pfif_time, home_domain: str) -> list[dict]:
    """PFIF 1.4 notes linking `rec` (the report's PfifRecord) to every report linked to it as the same person."""
    from dalil.exchange.pfif.exporter import record_for

    notes = []
    pairs = DuplicateCandidate.objects.filter(state=DuplicateCandidate.State.LINKED).filter(
        first=report) | DuplicateCandidate.objects.filter(state=DuplicateCandidate.State.LINKED, second=report)
    for pair in pairs.select_related("first", "second").order_by("pk"):
        other = pair.second if pair.first_id == report.pk else pair.first
        other_rec = record_for(other)
        notes.append({
            "note_record_id": f"{home_domain}/note.link-{pair.pk}-{report.pk}",
            "person_record_id": rec.person_record_id,
            "linked_person_record_id": other_rec.person_record_id,
            "author_name": home_domain,
            "source_date": pfif_time(pair.decided_at), "entry_date": pfif_time(pair.decided_at),
            "text": "A caseworker found that this record and the linked record describe the same person.",
        })
    return notes
