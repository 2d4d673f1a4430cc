"""`dalil cases list|show`: find a case id (for `dalil export bag --case`) and its photos' SHA-256 (for `dalil proof`)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Exists, OuterRef, Q

from dalil.archive.models import BodyCase, Photo
from dalil.evidence.collection_names import check_collection_option
from dalil.evidence.models import Sighting
from dalil.lib.arabic import ascii_digits


class Command(BaseCommand):
    help = "Body cases: `list` their ids, numbers and photo counts; `show ID` a case's photos with their SHA-256."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,show}")
        listing = actions.add_parser("list", help="one line per case: id, branch / detainee / examination, photos")
        listing.add_argument("--collection", help="only cases with photos of this collection")
        listing.add_argument("--number", metavar="N", help="only cases carrying N as branch, detainee or exam number")
        listing.add_argument("--review", action="store_true", help="only cases flagged for review")
        listing.add_argument("--limit", type=int, default=0, metavar="N", help="at most N cases (default: all)")
        listing.add_argument("--json", action="store_true", help="one JSON object per line")
        show = actions.add_parser("show", help="a case's numbers and every photo: SHA-256 and where it was found")
        show.add_argument("case", type=int, metavar="ID", help="the case id (`dalil cases list`)")
        show.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **opts):
        if opts["action"] == "list":
            return self._list(opts)
        return self._show(opts)

    def _list(self, opts):
        if opts["limit"] < 0:
            raise CommandError("--limit must be 0 (every case) or more", returncode=2)
        cases = BodyCase.objects.filter(merged_into__isnull=True).annotate(photo_count=Count("photos"))
        if name := check_collection_option(opts["collection"]):
            seen = Sighting.objects.filter(item__photo__case=OuterRef("pk"), acquisition__collection__name=name)
            cases = cases.filter(Exists(seen))
        if opts["number"]:
            n = ascii_digits(opts["number"]).strip()
            n = (n.lstrip("0") or "0") if n.isdigit() else n  # as numbers are stored: "٠٤٢" finds 42
            cases = cases.filter(Q(branch=n) | Q(detainee_no=n) | Q(exam_no=n))
        if opts["review"]:
            cases = cases.filter(needs_review=True)
        cases = cases.order_by("pk")
        if opts["limit"]:
            cases = cases[: opts["limit"]]
        count = 0
        for case in cases.iterator():
            count += 1
            record = _record(case)
            if opts["json"]:
                self.stdout.write(json.dumps(record, ensure_ascii=False))
                continue
            date = f"  {case.date.isoformat()}" if case.date else ""
            review = "  needs review" if case.needs_review else ""
            self.stdout.write(f"case {case.pk:>6}  branch {case.branch or '?'} / detainee {case.detainee_no or '?'} "
                              f"/ exam {case.exam_no or '?'}  {case.photo_count} photo(s){date}{review}")
        if not opts["json"]:
            self.stdout.write(f"{count} case(s); `dalil cases show ID` lists a case's photos and their SHA-256")

    def _show(self, opts):
        case = BodyCase.objects.filter(pk=opts["case"]).first()
        if case is None:
            raise CommandError(f"there is no case {opts['case']}: `dalil cases list` shows the case ids")
        if case.merged_into_id:
            target = case.surviving().pk
            raise CommandError(f"case {case.pk} was merged into case {target}: run `dalil cases show {target}`")
        photos = []
        for photo in Photo.objects.filter(case=case).select_related("item").order_by("sequence", "item__sha256"):
            sighting = (Sighting.objects.filter(item=photo.item).select_related("acquisition__collection")
                        .order_by("pk").first())
            photos.append({"sha256": photo.item.sha256, "sequence": photo.sequence,
                           "collection": sighting.acquisition.collection.name if sighting else None,
                           "path": sighting.path if sighting else None})
        record = {**_record(case, len(photos)), "photos": photos}
        if opts["json"]:
            self.stdout.write(json.dumps(record, ensure_ascii=False))
            return
        self.stdout.write(f"case {case.pk}: branch {case.branch or '?'} / detainee {case.detainee_no or '?'} / "
                          f"exam {case.exam_no or '?'}" + (f", {case.date.isoformat()}" if case.date else "")
                          + (" (needs review)" if case.needs_review else ""))
        for photo in photos:
            self.stdout.write(f"  {photo['sha256']}  {photo['collection'] or ''}: {photo['path'] or ''}")
        self.stdout.write(f"{len(photos)} photo(s); `dalil proof SHA256` proves one is in a seal, "
                          f"`dalil export bag --case {case.pk} …` packages the case")


def _record(case: BodyCase, photo_count: int | None = None) -> dict:
    return {"id": case.pk, "branch": case.branch, "detainee_no": case.detainee_no, "exam_no": case.exam_no,
            "date": case.date.isoformat() if case.date else None,
            "photo_count": photo_count if photo_count is not None else case.photo_count,
            "needs_review": case.needs_review}
