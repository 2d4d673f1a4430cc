"""The report document, in the spirit of the 2014 prosecutors' report on the Caesar photos.

Sections: scope and method; the integrity statement (seal, and a fresh verify or
the last recorded one: see dalil.reports.integrity);
the tables and charts; findings by branch and by period; identification
progress; an annex listing the cases by their three numbers; and, only when
asked, photographs (blurred previews unless unblurred thumbnails are asked for
under the prosecutor profile). Written as HTML (one self-contained file) or as
PDF through WeasyPrint, whose Pango/HarfBuzz shape Arabic and lay it out right
to left, with the fonts bundled in dalil/reports/fonts (never the machine's).

Profiles (dalil.exports.profiles): prosecutor and partner get every figure and
the annex; public gets aggregates only, small cells suppressed, no annex, no
photographs, no identification time series.
"""

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Min
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dalil.archive.models import Photo
from dalil.evidence.models import Collection
from dalil.evidence.store import StoreError, derivatives
from dalil.exports import profiles
from dalil.exports.jobs import export_job
from dalil.exports.models import ExportJob
from dalil.reports import integrity, labels, statistics
from dalil.reports.pages import chart_context, progress_context

FONTS = Path(__file__).resolve().parent / "fonts"
CHART_CSS = Path(__file__).resolve().parent / "static" / "reports" / "charts.css"  # as the statistics pages link it
FORMATS = ("pdf", "html")
LANGUAGES = ("ar", "en")
DEFAULT_PHOTO_LIMIT = 24
PDF_VARIANT = "pdf/a-3a"  # archival and tagged (accessible): see render_pdf


class ReportError(Exception):
    """A report that cannot be made; str() says what to do instead."""


@dataclass
class Request:
    """What was asked for: one collection, one language, one format, under one export profile."""

    collection: str
    lang: str = "ar"
    format: str = "pdf"
    profile: str = "prosecutor"
    with_photos: bool = False
    unblurred: bool = False
    photo_limit: int = DEFAULT_PHOTO_LIMIT
    actor: str = ""
    verify: bool = True  # re-hash every stored file now (the CLI); False: state the last recorded verify (the web)

    def check(self) -> Collection:
        if self.lang not in LANGUAGES:
            raise ReportError(f"unknown language {self.lang!r}: choose ar or en")
        if self.format not in FORMATS:
            raise ReportError(f"unknown format {self.format!r}: choose pdf or html")
        try:
            profile = profiles.get(self.profile)
        except profiles.ProfileError as exc:
            raise ReportError(str(exc)) from None
        if profile.aggregates_only and self.with_photos:
            raise ReportError("the public profile is aggregates only: it never includes photographs")
        if self.unblurred and profile.name != "prosecutor":
            raise ReportError("unblurred photographs are only for the prosecutor profile")
        if self.unblurred and not self.with_photos:
            raise ReportError("--unblurred needs --with-photos")
        collection = Collection.objects.filter(name=self.collection).first()
        if collection is None:
            known = ", ".join(Collection.objects.order_by("name").values_list("name", flat=True)[:10]) or "none yet"
            raise ReportError(f"there is no collection named {self.collection!r} (collections: {known})")
        return collection

    @property
    def scope(self) -> dict:
        return {"collection": self.collection, "lang": self.lang, "format": self.format,
                "with_photos": self.with_photos, "unblurred": self.unblurred, "fresh_verify": self.verify}


def generate(request: Request, output: Path) -> ExportJob:
    """Write the report to `output`, recorded as an export job (with its SHA-256) and an `exported` custody row."""
    collection = request.check()
    output = Path(output)
    with export_job(kind=ExportJob.Kind.REPORT, profile=request.profile, actor=request.actor, scope=request.scope,
                    output=output) as job:
        context = build_context(collection, request)
        html = render_html(context, for_pdf=request.format == "pdf")
        data = render_pdf(html, request.lang) if request.format == "pdf" else html.encode("utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
        job.summary = {"photos": context["figures"].photos, "cases": context["figures"].cases,
                       "annex_cases": len(context["annex"]), "verified_ok": context["integrity"].ok,
                       "verify": context["integrity"].mode, "verify_stale": context["integrity"].stale,
                       "verified_at": (context["integrity"].verified_at.isoformat()
                                       if context["integrity"].verified_at else None),
                       "sealed": context["integrity"].sealed, "photographs": context["photo_shas"],
                       "photograph_kind": "thumbnail" if request.unblurred else "blurred preview"}
    return job


def build_context(collection: Collection, request: Request) -> dict:
    """Everything the report template shows, computed in the report's language."""
    profile = profiles.get(request.profile)
    with translation.override(request.lang):
        public = profile.aggregates_only
        figures = statistics.compute(collection, period="quarter" if public else "month")
        rtl = request.lang == "ar"
        context = chart_context(figures, rtl=rtl, min_cell=profile.min_cell if public else 0)
        statement = integrity.statement(collection, actor=request.actor or "report", fresh=request.verify)
        context.update({
            "lang": request.lang, "rtl": rtl, "profile": profile, "public": public,
            "profile_label": _(profile.label), "collection": collection, "integrity": statement,
            "generated_at": timezone.now(), "request": request,
            "findings_by_branch": [] if public else statistics.findings(collection, by="branch"),
            "findings_by_year": [] if public else statistics.findings(collection, by="year"),
            "annex": [] if public else annex(collection),
            "photographs": [], "photo_shas": [],
        })
        if not public:
            context.update(progress_context(figures, rtl))
        if request.with_photos:
            context["photographs"] = photographs(collection, request.photo_limit, request.unblurred)
            context["photo_shas"] = [p["sha256"] for p in context["photographs"]]
    return context


def annex(collection: Collection) -> list[dict]:
    """Every case of the collection by its three numbers, with its photos, date and category, in number order."""
    scope = statistics.Scope.of(collection)
    rows = (scope.cases.order_by().annotate(n_photos=Count("photos"))
            .values("pk", "branch", "detainee_no", "exam_no", "date", "category", "n_photos", "needs_review"))
    out = [{**row, "category_label": labels.label(labels.CATEGORIES, row["category"])} for row in rows]
    return sorted(out, key=lambda r: (_number_key(r["branch"]), _number_key(r["exam_no"]),
                                      _number_key(r["detainee_no"]), r["pk"]))


def photographs(collection: Collection, limit: int, unblurred: bool) -> list[dict]:
    """One picture per case (its first photo by sequence), for the first `limit` cases of the annex (0: all)."""
    cases = annex(collection)
    if limit:
        cases = cases[:limit]
    firsts = {}
    scope = statistics.Scope.of(collection)
    ids = [c["pk"] for c in cases]
    first_ids = scope.photos.filter(case_id__in=ids).values("case_id").annotate(first=Min("pk"))
    for photo in Photo.objects.filter(pk__in=[r["first"] for r in first_ids]).select_related("item"):
        firsts[photo.case_id] = photo
    store, out = derivatives(), []
    for case in cases:
        photo = firsts.get(case["pk"])
        sha = photo and (photo.thumbnail_sha256 if unblurred else photo.preview_sha256)
        if not sha:
            continue
        try:
            with store.open(sha) as stream:
                data = stream.read()
        except StoreError:
            continue
        out.append({"case": case, "sha256": photo.item.sha256,
                    "src": "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")})
    return out


ANNEX_CHUNK = 500  # rows per annex table in a PDF: smaller tables lay out faster than one of ~6,800 rows


def render_html(context: dict, for_pdf: bool = False) -> str:
    annex_rows = context.get("annex") or []
    chunks = ([annex_rows[i:i + ANNEX_CHUNK] for i in range(0, len(annex_rows), ANNEX_CHUNK)] if for_pdf
              else [annex_rows] if annex_rows else [])
    with translation.override(context["lang"]):
        return render_to_string("reports/document.html", {**context, "for_pdf": for_pdf, "annex_chunks": chunks,
                                                          "fonts": FONTS.as_uri() + "/",
                                                          "chart_css": CHART_CSS.read_text(encoding="utf-8")})


def render_pdf(html: str, lang: str) -> bytes:
    """The PDF of the report's HTML, with the bundled fonts only; the same HTML gives the same bytes.

    Written as PDF/A-3a: archival (fonts embedded, an sRGB output intent, XMP metadata saying pdfaid part 3,
    conformance A) and tagged (a structure tree of headings, paragraphs and tables, /MarkInfo), so a court's
    or a library's archive can keep it for decades and a screen reader can read it in order.
    tests/reports/test_pdfa.py reads both back from the bytes."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    document = HTML(string=html, base_url=str(FONTS) + "/")
    digest = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    return document.write_pdf(font_config=fonts, pdf_identifier=digest, uncompressed_pdf=False,
                              pdf_variant=PDF_VARIANT, pdf_tags=True)


def _number_key(value: str):
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def default_filename(request: Request) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in request.collection)[:60] or "collection"
    return f"dalil-report-{safe}-{request.lang}-{request.profile}-{stamp}.{request.format}"

