"""Print an instance's whole logical state as JSON (run with DALIL_HOME / DALIL_DATABASE_URL set).

Everything that must be equal between an interrupted-and-resumed ingest and an
uninterrupted one; ids, timestamps and row order are left out because they
legitimately differ.
"""

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dalil.settings")
import django  # noqa: E402

django.setup()

from dalil.archive.models import NearDuplicate, Photo  # noqa: E402
from dalil.evidence import custody  # noqa: E402
from dalil.evidence.models import Acquisition, CustodyEvent, Item, Sighting  # noqa: E402
from dalil.evidence.store import derivatives, originals  # noqa: E402


def snapshot() -> dict:
    photo_fields = [f.name for f in Photo._meta.fields if f.name not in ("id", "item")]
    return {
        "acquisitions": sorted([a.source, a.kind, a.container.sha256 if a.container else ""]
                               for a in Acquisition.objects.all()),
        "items": sorted(Item.objects.values_list("sha256", "size", "media_type", "complete")),
        "sightings": sorted(
            [s.path, s.item.sha256 if s.item else "", s.outcome, s.problem_code, s.problem, s.warnings, s.size]
            for s in Sighting.objects.select_related("item")),
        "photos": sorted([p.item.sha256] + [str(getattr(p, f)) for f in photo_fields]
                         for p in Photo.objects.select_related("item")),
        "near_duplicates": sorted([n.a.item.sha256, n.b.item.sha256, n.distance, n.status]
                                  for n in NearDuplicate.objects.select_related("a__item", "b__item")),
        "custody": sorted(json.dumps([e.action, e.collection, e.item_sha256, e.details], sort_keys=True)
                          for e in CustodyEvent.objects.all()),
        "chain_problems": custody.check_chain(),
        "store": sorted(originals().shas()),
        "derivatives": sorted(derivatives().shas()),
    }


if __name__ == "__main__":
    print(json.dumps(snapshot()))
