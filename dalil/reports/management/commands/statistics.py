"""`dalil statistics [--collection NAME] [--public] [--json]`: the figures of the statistics pages, as text or JSON."""

import json

from django.core.management.base import BaseCommand
from django.utils import translation

from dalil.evidence.collection_names import require_collection
from dalil.exports.profiles import PUBLIC
from dalil.reports import statistics


class Command(BaseCommand):
    help = "Print the archive's figures (photos and bodies per branch, period and category, injury codes, " \
           "identification progress, copies and quarantine), for one collection or all."

    def add_arguments(self, parser):
        parser.add_argument("--collection", default="", help="one collection (default: all of them)")
        parser.add_argument("--public", action="store_true",
                            help=f"as the public page shows them: by quarter, counts under {PUBLIC.min_cell} "
                                 "suppressed, staff-only tables left out")
        parser.add_argument("--lang", choices=("en", "ar"), default="en", help="language of the labels (default en)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **opts):
        collection = None
        if opts["collection"]:
            collection = require_collection(opts["collection"])
        with translation.override(opts["lang"]):
            data = self._figures(collection, opts["public"])
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"figures for {data['collection'] or 'all collections'}"
                          f"{' (public: small counts suppressed)' if opts['public'] else ''}")
        for key, value in data["totals"].items():
            self.stdout.write(f"  {key:<24} {value}")
        for table in data["tables"]:
            total = "withheld" if table["total"] is None else f"{table['total']:,}"
            self.stdout.write(f"\n{table['name']} (total {total})")
            for row in table["rows"]:
                self.stdout.write(f"  {row['label']:<36} {row['shown']:>10}")
        if "progress" in data:
            self.stdout.write("\nidentification progress (month: reports, proposed, corroborated, confirmed)")
            for month, *values in data["progress"]:
                self.stdout.write(f"  {month}  " + "  ".join(f"{v:>6}" for v in values))

    def _figures(self, collection, public: bool) -> dict:
        from dalil.reports.pages import SECTIONS, totals_context

        figures = statistics.compute(collection, period="quarter" if public else "month")
        min_cell = PUBLIC.min_cell if public else 0
        tables = []
        for name, _kind, _heading, _column, staff_only in SECTIONS:
            if public and staff_only:
                continue
            table = figures.tables[name]
            tables.append((table.protected(min_cell) if public else table).as_dict())
        totals = {item["key"]: item["text"] if public else item["value"] for item in totals_context(figures, min_cell)}
        data = {"collection": figures.collection, "public": public, "totals": totals, "tables": tables}
        if not public:
            progress = figures.progress
            data["progress"] = [[m, *(progress.monthly[n][i] for n in statistics.PROGRESS_SERIES)]
                                for i, m in enumerate(progress.months)]
        return data
