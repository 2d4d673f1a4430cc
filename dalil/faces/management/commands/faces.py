import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from dalil.evidence.collection_names import check_collection_option
from dalil.faces import backend as backends


class Command(BaseCommand):
    help = "Face search: `index` scans photos not scanned yet for faces; `search` finds the cases nearest to photos."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{index,search}")
        index = actions.add_parser("index", help="scan every photo not scanned yet (safe to run again)")
        index.add_argument("--collection", help="only photos of this collection")
        index.add_argument("--json", action="store_true", help="print one JSON summary object and nothing else")
        search = actions.add_parser("search", help="the body cases whose faces are nearest to PHOTO(s) of one person")
        search.add_argument("photos", nargs="+", metavar="PHOTO", help="photo(s) of the same person")
        search.add_argument("--top", type=int, default=10, help="how many cases to list (default 10)")
        search.add_argument("--json", action="store_true", help="print JSON and nothing else")

    def handle(self, *args, **opts):
        if not backends.available():
            raise CommandError("face search needs face_recognition: run `make setup`, or "
                               "`pip install --no-deps face_recognition` in dalil's virtual environment")
        if opts["action"] == "index":
            return self._index(opts)
        return self._search(opts)

    def _index(self, opts):
        from dalil.faces.progress import ProgressBar
        from dalil.faces.stage import index_faces

        check_collection_option(opts["collection"])
        bar = ProgressBar() if not opts["json"] and sys.stderr.isatty() else None
        try:
            summary = index_faces(opts["collection"], progress=bar)
        finally:
            if bar:
                bar.close()
        if opts["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False))
            return
        s = summary
        self.stdout.write(
            f"faces{f' in collection {s.collection!r}' if s.collection else ''}\n"
            f"  photos scanned   {s.scanned:>8,}  ({s.already_scanned:,} scanned before)\n"
            f"  with faces       {s.with_faces:>8,}\n"
            f"  without a face   {s.without_faces:>8,}\n"
            f"  faces stored     {s.faces:>8,}\n"
            f"  could not scan   {s.failed:>8,}\n"
            f"  in {s.seconds:.1f} s"
        )
        for problem in s.problems:
            self.stdout.write(self.style.WARNING(f"  ! {problem}"))

    def _search(self, opts):
        from dalil.archive.models import BodyCase
        from dalil.faces.images import PictureRefused
        from dalil.faces.index import search_cases
        from dalil.faces.probe import NoFace, probe_vector

        if opts["top"] < 1:
            raise CommandError("--top must be at least 1")
        vectors = []
        for name in opts["photos"]:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"{name}: no such file")
            try:
                vectors.append(probe_vector(path.read_bytes(), name))
            except NoFace as exc:
                raise CommandError(f"{exc}; give a photo where one face is clearly visible") from None
            except PictureRefused as exc:
                raise CommandError(str(exc)) from None
        matches = search_cases(vectors, top_k=opts["top"])
        cases = BodyCase.objects.in_bulk([m.case_id for m in matches])
        rows = [{"case": m.case_id, "branch": cases[m.case_id].branch, "detainee_no": cases[m.case_id].detainee_no,
                 "exam_no": cases[m.case_id].exam_no, "distance": m.distance, "similarity": m.similarity,
                 "words": m.words, "face": m.face_id, "reason": m.reason} for m in matches]
        if opts["json"]:
            self.stdout.write(json.dumps({"photos": opts["photos"], "cases": rows}, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("no case has a face similar enough (distance < 0.6)")
        for rank, row in enumerate(rows, 1):
            numbers = "/".join(v or "?" for v in (row["branch"], row["detainee_no"], row["exam_no"]))
            self.stdout.write(f"{rank:>3}. case {row['case']:<6} {numbers:<20} {row['reason']}")
