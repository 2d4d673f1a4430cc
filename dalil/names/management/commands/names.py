import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from dalil.names.models import DuplicateCandidate, NameRecord


class Command(BaseCommand):
    help = "Names: `search` finds records by name in either script; `duplicates` lists pairs of reports that may be one person; `index` rebuilds the name index."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{search,duplicates,index}")
        search = actions.add_parser("search", help="records whose names match QUERY (Arabic or Latin letters), best first")
        search.add_argument("query", metavar="QUERY", help='a name, whole or in part: "محمد الحلبي", "Mhd Halaby"')
        search.add_argument("--source", action="append", choices=NameRecord.Source.values,
                            help="only records from this source (repeatable)")
        search.add_argument("--top", type=int, default=20, help="how many records to list (default 20)")
        search.add_argument("--json", action="store_true", help="print JSON and nothing else")
        dup = actions.add_parser("duplicates", help="pairs of reports that may be one person (open ones by default)")
        dup.add_argument("--state", choices=DuplicateCandidate.State.values, default=DuplicateCandidate.State.OPEN)
        dup.add_argument("--scan", action="store_true", help="look for pairs among every report first (after an upgrade)")
        dup.add_argument("--json", action="store_true", help="print JSON and nothing else")
        index = actions.add_parser("index", help="index the names of every report and victim-list entry again")
        index.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")

    def handle(self, *args, **opts):
        translation.activate("en")
        return getattr(self, "_" + opts["action"])(opts)

    def _search(self, opts):
        from dalil.names.index import search

        if not opts["query"].strip():
            raise CommandError("give a name to search for, e.g. dalil names search \"Mohammad Halabi\"")
        if opts["top"] < 1:
            raise CommandError("--top must be at least 1")
        hits = search(opts["query"], limit=opts["top"], sources=opts["source"])
        rows = [{"name": h.record.display, "source": h.record.source, "score": h.match.score,
                 "reasons": h.match.sentences,
                 "report": h.record.report.reference if h.record.report_id else None,
                 "victim_entry": h.record.victim_id, "case": h.record.victim.case_id if h.record.victim_id else None}
                for h in hits]
        if opts["json"]:
            self.stdout.write(json.dumps({"query": opts["query"], "hits": rows}, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no record has a name close enough")
        for row in rows:
            where = row["report"] or f"victim-list entry {row['victim_entry']}"
            self.stdout.write(f"{row['score']:5.1f}  {row['name']}  [{row['source']}: {where}]")
            for reason in row["reasons"]:
                self.stdout.write(f"         {reason}")

    def _duplicates(self, opts):
        if opts["scan"]:
            from dalil.identification.models import MissingPersonReport
            from dalil.names.duplicates import find_for

            for report in MissingPersonReport.objects.iterator():
                find_for(report)
        pairs = DuplicateCandidate.objects.filter(state=opts["state"]).select_related("first", "second")
        rows = [{"id": p.pk, "first": p.first.reference, "second": p.second.reference, "score": p.score,
                 "state": p.state, "reasons": p.sentences,
                 "names": [p.first.full_name_ar() or p.first.full_name_latin(),
                           p.second.full_name_ar() or p.second.full_name_latin()]} for p in pairs]
        if opts["json"]:
            self.stdout.write(json.dumps({"state": opts["state"], "pairs": rows}, ensure_ascii=False))
            return
        self.stdout.write(f"{len(rows)} pair(s) {opts['state']}")
        for row in rows:
            self.stdout.write(f"{row['score']:5.1f}  {row['first']} ~ {row['second']}  ({' / '.join(row['names'])})")
            for reason in row["reasons"]:
                self.stdout.write(f"         {reason}")

    def _index(self, opts):
        from dalil.names.index import reindex_all

        counts = reindex_all()
        if opts["json"]:
            self.stdout.write(json.dumps(counts))
            return
        self.stdout.write(f"indexed {counts['reports']} report(s) and {counts['victims']} victim-list entr(ies)")
