import json

from django.core.management.base import BaseCommand

from dalil.evidence.collection_names import check_collection_option
from dalil.evidence.models import Sighting


class Command(BaseCommand):
    help = "List quarantined files with the reason for each, so a person can act on them."

    def add_arguments(self, parser):
        parser.add_argument("--collection", help="only this collection")
        parser.add_argument("--code", help="only this problem code, e.g. corrupt_image")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, **opts):
        rows = Sighting.objects.filter(outcome=Sighting.Outcome.QUARANTINED).select_related(
            "acquisition__collection", "item").order_by("acquisition__collection__name", "acquisition__source", "path")
        if check_collection_option(opts["collection"]):
            rows = rows.filter(acquisition__collection__name=opts["collection"])
        if opts["code"]:
            rows = rows.filter(problem_code=opts["code"])
        count = 0
        for s in rows.iterator():
            count += 1
            record = {"collection": s.acquisition.collection.name, "source": s.acquisition.source, "path": s.path,
                      "code": s.problem_code, "reason": s.problem, "sha256": s.item.sha256 if s.item else None}
            if opts["json"]:
                self.stdout.write(json.dumps(record, ensure_ascii=False))
            else:
                self.stdout.write(f"{record['collection']}  {s.acquisition.source}/{s.path}\n"
                                  f"    [{s.problem_code}] {s.problem}\n"
                                  f"    sha256 {record['sha256'] or '(nothing could be read)'}")
        if not opts["json"]:
            self.stdout.write(f"{count} quarantined file(s)")
