"""Evidence packages: a BagIt bag (RFC 8493) a recipient can check on their own, without dalil.

A package holds, for the cases or collection it covers: every original byte for
byte (or, for a partner organisation, a losslessly redacted copy), a metadata
file per item, a file per body case, the custody-log rows about those items and
their collections, the seal(s) and an inclusion proof per item, the stdlib-only
checkers, and a letter to the recipient in English and Arabic saying how to
check it all. Payload manifests and tag manifests are written in SHA-256 and
SHA-512, from hashes taken while each file is copied, so every byte is read once.

The bag is written into a hidden folder beside OUT and renamed to OUT only when
complete; a failure removes it and marks the export job failed. Its folders are
0700 and its files 0600: a package holds what families told the archive, and
the server's exports folder must not be readable by other accounts. Families'
contact details never sit in it in clear (dalil/exports/contacts.py).
"""

import datetime
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dalil.archive.models import CaseChange, Photo
from dalil.audit.models import audit
from dalil.evidence.models import Acquisition, CustodyEvent, Item, Seal, Sighting
from dalil.evidence.seals import PROOF_FORMAT
from dalil.evidence.store import CHUNK, StoreError, originals
from dalil.exports import contacts, profiles, readme, redact, signature
from dalil.exports.jobs import export_job
from dalil.exports.models import ExportJob
from dalil.exports.scope import Scope
from dalil.lib import merkle

PACKAGE_FORMAT = "dalil-evidence-package/1"
RECIPIENT_TOOLS = Path(__file__).parent / "recipient"
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif", "image/gif": "gif", "image/webp": "webp",
              "image/heic": "heic", "image/heif": "heif", "application/zip": "zip", "text/plain": "txt",
              "text/csv": "csv", "application/pdf": "pdf"}
AUDIT_EXPORTED_CONTACT = "exported_contact"  # dalil.audit: a reporter's contact details left in a package
PRIVATE_FILE, PRIVATE_DIR = 0o600, 0o700

SCOPE_AR = {"case": "الحالة", "collection": "المجموعة", "query": "الاستعلام"}  # the Arabic README's scope line


class ExportRefused(Exception):
    """The package cannot be made as asked; str() says what to do instead. Nothing was written."""


# ---------------------------------------------------------------- bag writing


class BagWriter:
    """Writes payload files under ROOT/data, hashing each in SHA-256 and SHA-512 as it is written."""

    ALGORITHMS = ("sha256", "sha512")

    def __init__(self, root: Path):
        self.root = root
        self.payload: dict[str, dict] = {}  # "data/..." -> {"sha256", "sha512", "size"}
        (root / "data").mkdir(parents=True)

    def _target(self, rel: str) -> Path:
        path = self.root / "data" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def add_bytes(self, rel: str, data: bytes) -> dict:
        with open(self._target(rel), "xb") as f:
            f.write(data)
        digests = {a: hashlib.new(a, data).hexdigest() for a in self.ALGORITHMS}
        self.payload[f"data/{rel}"] = {**digests, "size": len(data)}
        return self.payload[f"data/{rel}"]

    def add_json(self, rel: str, obj) -> dict:
        return self.add_bytes(rel, (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode())

    def add_stream(self, rel: str, source) -> dict:
        hashers = {a: hashlib.new(a) for a in self.ALGORITHMS}
        size = 0
        with open(self._target(rel), "xb") as f:
            while chunk := source.read(CHUNK):
                for h in hashers.values():
                    h.update(chunk)
                f.write(chunk)
                size += len(chunk)
            f.flush()
            os.fsync(f.fileno())
        self.payload[f"data/{rel}"] = {**{a: h.hexdigest() for a, h in hashers.items()}, "size": size}
        return self.payload[f"data/{rel}"]

    def add_tag_file(self, name: str, text: str) -> None:
        (self.root / name).write_text(text, encoding="utf-8")

    def finish(self, info: list[tuple[str, str]], sign=None) -> None:
        """bagit.txt, bag-info.txt (with Payload-Oxum and Bag-Size), manifests, `sign(root)` and tag manifests."""
        octets = sum(p["size"] for p in self.payload.values())
        info = info + [("Payload-Oxum", f"{octets}.{len(self.payload)}"), ("Bag-Size", _human(octets))]
        (self.root / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
                                             encoding="utf-8")
        (self.root / "bag-info.txt").write_text("".join(f"{k}: {_one_line(v)}\n" for k, v in info), encoding="utf-8")
        for algorithm in self.ALGORITHMS:
            lines = "".join(f"{d[algorithm]}  {_encode_path(p)}\n" for p, d in sorted(self.payload.items()))
            (self.root / f"manifest-{algorithm}.txt").write_text(lines, encoding="utf-8")
        if sign is not None:
            sign(self.root)  # a tag file over the payload manifests, itself listed in the tag manifests
        tag_files = sorted(p.name for p in self.root.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-"))
        for algorithm in self.ALGORITHMS:
            lines = "".join(f"{_hash_file(self.root / name, algorithm)}  {name}\n" for name in tag_files)
            (self.root / f"tagmanifest-{algorithm}.txt").write_text(lines, encoding="utf-8")


def make_private(root: Path) -> None:
    """Folders 0700 and files 0600 under ROOT. While it is written the bag sits in a 0700 folder (mkdtemp) that no
    other account can enter, so tightening once at the end, before it is renamed into place, leaves no window."""
    for folder, dirs, files in os.walk(root):
        os.chmod(folder, PRIVATE_DIR)
        for name in files:
            os.chmod(os.path.join(folder, name), PRIVATE_FILE)


def _encode_path(path: str) -> str:
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _one_line(value: str) -> str:
    return " ".join(str(value).split())


def _hash_file(path: Path, algorithm: str) -> str:
    return hashlib.new(algorithm, path.read_bytes()).hexdigest()


def _human(octets: int) -> str:
    size = float(octets)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{octets} bytes"


# ---------------------------------------------------------------- proofs, in bulk


@dataclass
class SealedCollection:
    seal: Seal
    index: dict[str, int]  # sha256 -> leaf index
    levels: list[list[bytes]] = field(default_factory=list)

    @classmethod
    def of(cls, seal: Seal) -> "SealedCollection":
        shas = seal.leaves.split("\n") if seal.leaves else []
        levels = [[merkle.leaf_hash(bytes.fromhex(s)) for s in shas]]
        while len(levels[-1]) > 1:
            levels.append(merkle._next_level(levels[-1]))
        return cls(seal, {s: i for i, s in enumerate(shas)}, levels)

    def proof(self, sha: str) -> dict:
        """The same proof as dalil.evidence.seals.proof gives, from levels computed once for all items."""
        index = position = self.index[sha]
        path = []
        for level in self.levels[:-1]:
            sibling = position ^ 1
            if sibling < len(level):
                path.append(level[sibling].hex())
            position //= 2
        seal = self.seal
        return {"format": PROOF_FORMAT, "collection": seal.collection, "file_sha256": sha, "leaf_index": index,
                "tree_size": seal.tree_size, "audit_path": path, "root": seal.root,
                "seal": {"statement": seal.statement, "signature": seal.signature, "public_key": seal.public_key,
                         "key_fingerprint": seal.key_fingerprint}}


def collections_of(shas: list[str]) -> dict[str, list[str]]:
    """sha256 -> the collections holding it (sighted in one of its sources, or a zip container of one)."""
    found: dict[str, set] = {}
    for start in range(0, len(shas), 500):
        chunk = shas[start:start + 500]
        for sha, name in Sighting.objects.filter(item__sha256__in=chunk).values_list(
                "item__sha256", "acquisition__collection__name").distinct():
            found.setdefault(sha, set()).add(name)
        for sha, name in Acquisition.objects.filter(container__sha256__in=chunk).values_list(
                "container__sha256", "collection__name"):
            found.setdefault(sha, set()).add(name)
    return {sha: sorted(names) for sha, names in found.items()}


def sealed_collections(shas: list[str], prefer: str = "") -> tuple[dict[str, SealedCollection], dict[str, str]]:
    """The latest seal of each collection involved, and which collection proves each item.

    Refuses when an item is in no latest seal: the archivist seals first (`dalil seal`), so a package never
    carries a file the archive has not yet signed for.
    """
    holders = collections_of(shas)
    latest: dict[str, SealedCollection | None] = {}
    chosen, unsealed = {}, {}
    for sha in shas:
        names = holders.get(sha, [])
        names = sorted(names, key=lambda n: (n != prefer, n))
        for name in names:
            if name not in latest:
                seal = Seal.objects.filter(collection=name).order_by("-sealed_at", "-pk").first()
                latest[name] = SealedCollection.of(seal) if seal else None
            if latest[name] is not None and sha in latest[name].index:
                chosen[sha] = name
                break
        else:
            unsealed.setdefault(names[0] if names else "", []).append(sha)
    if unsealed:
        parts = []
        for name, missing in sorted(unsealed.items()):
            never = name and latest.get(name) is None
            parts.append(f"{len(missing)} file(s) of collection {name!r} are in no seal yet" if not never else
                         f"collection {name!r} has never been sealed")
        commands = " and ".join(f"`dalil seal --collection {n}`" for n in sorted(unsealed) if n)
        raise ExportRefused(f"{'; '.join(parts)}: seal the collection first ({commands or 'dalil seal'}), "
                            "then export again")
    return {n: s for n, s in latest.items() if s is not None and n in set(chosen.values())}, chosen


# ---------------------------------------------------------------- what goes in


def _iso(value):
    if value is None:
        return None
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime.datetime) else value.isoformat()


def item_metadata(item: Item, profile: profiles.Profile, file_entry: dict) -> dict:
    full = profile.metadata == "full"
    sightings = Sighting.objects.filter(item=item).select_related("acquisition__collection").order_by("pk")
    meta = {
        "sha256": item.sha256, "size": item.size, "media_type": item.media_type,
        "complete": item.complete, "stored_at": _iso(item.stored_at), **file_entry,
        "found": [{
            "collection": s.acquisition.collection.name, "source": s.acquisition.source,
            "source_kind": s.acquisition.kind, "received_from": s.acquisition.received_from,
            "medium": s.acquisition.medium, "path": s.path, "modified_at": _iso(s.modified_at),
            "outcome": s.outcome, "problem": s.problem, "warnings": s.warnings,
            **({"container_sha256": s.acquisition.container.sha256} if s.acquisition.container_id else {}),
        } for s in sightings],
    }
    photo = Photo.objects.filter(item=item).first()
    if photo is not None:
        meta["photo"] = {
            "format": photo.format, "width": photo.width, "height": photo.height,
            "captured_at_camera_clock": _iso(photo.captured_at),
            "camera_make": photo.camera_make, "camera_model": photo.camera_model,
            "exif": photo.exif if full else redact.exif(photo.exif),
        }
        if full:
            meta["photo"]["camera_serial"] = photo.camera_serial
            meta["photo"]["xmp"] = photo.xmp
        meta["numbers"] = {"branch": photo.branch, "detainee_no": photo.detainee_no, "exam_no": photo.exam_no,
                           "photo_date": _iso(photo.photo_date), "sequence": photo.sequence,
                           "sources": photo.numbers_source}
        meta["case"] = photo.case_id
        meta["derivation"] = {
            "note": "Derivatives are made by the archive for viewing only, re-encoded from pixels alone (no "
                    "metadata); they are not evidence and are not in this package.",
            "thumbnail_sha256": photo.thumbnail_sha256, "blurred_preview_sha256": photo.preview_sha256,
            "pdq_perceptual_hash": photo.pdq, "pdq_quality": photo.pdq_quality,
        }
    return meta


def _report(report, profile: profiles.Profile, actor: str, job, box: contacts.ContactBox) -> dict:
    data = {
        "reference": report.reference,
        "missing_person": {
            "name_ar": report.full_name_ar(), "name_latin": report.full_name_latin(),
            "mother_name_ar": report.mother_name_ar, "mother_name_latin": report.mother_name_latin,
            "sex": report.sex, "birth_date": _iso(report.birth_date), "age_at_arrest": report.age_at_arrest,
            "home_town": report.home_town, "arrest_date": _iso(report.arrest_date),
            "arrest_place": report.arrest_place, "arresting_branch": report.arresting_branch,
            "last_detention_place": report.last_detention_place,
            "distinguishing_marks": report.distinguishing_marks, "chronic_illnesses": report.chronic_illnesses,
        },
        "reported_at": _iso(report.created_at),
        "reporter_relationship": report.reporter_relationship,
        "would_testify": report.would_testify,
    }
    if profile.allows_contact(report) and box.include:
        data["reporter_contact"] = box.add(report.reference, report.reporter_name, report.reporter_phone,
                                           report.reporter_email)
        audit(None, AUDIT_EXPORTED_CONTACT, f"report:{report.reference}", actor=actor, job=job.pk,
              profile=profile.name, encrypted_to=box.keys)
    elif profile.allows_contact(report):
        data["reporter_contact"] = box.withhold()
    return data


def case_record(case, profile: profiles.Profile, item_files: dict, actor: str, job, counts: dict,
                box: contacts.ContactBox) -> dict:
    full = profile.metadata == "full"
    record = {
        "case": case.pk,
        "numbers": {"branch": case.branch, "detainee_no": case.detainee_no, "exam_no": case.exam_no},
        "category": case.category, "date": _iso(case.date), "sex": case.sex,
        "age_range": [case.age_min, case.age_max], "distinguishing_marks": case.marks,
        "needs_review": case.needs_review, "review_reasons": case.review_reasons,
        "findings": [{"code": i.code, "label": i.get_code_display(), "note": i.note, "coded_at": _iso(i.coded_at),
                      **({"coded_by": i.coded_by.get_username()} if full else {})}
                     for i in case.injuries.select_related("coded_by").order_by("code")],
        "photos": [{"sha256": sha, "file": item_files.get(sha)}
                   for sha in case.photos.order_by("photo_date", "sequence", "item__sha256")
                   .values_list("item__sha256", flat=True)],
        "history": [{"action": c.action, "at": _iso(c.at), "before": c.before, "after": c.after,
                     **({"actor": c.actor} if full else {})}
                    for c in CaseChange.objects.filter(case=case).order_by("at", "pk")],
    }
    if full:
        record["notes"] = case.notes
    identifications = []
    for ident in case.identifications.select_related("report").exclude(state="rejected").order_by("pk"):
        if not profile.allows_report(ident.report):
            counts["reports_withheld"] += 1  # no consent: not even its existence leaves
            continue
        counts["reports"] += 1
        entry = {"report": _report(ident.report, profile, actor, job, box)}
        if profile.believed_dead:
            entry["state"] = ident.state
            entry["believed_dead"] = ident.state == "confirmed"
            entry["meaning"] = ("confirmed by two different reviewers: the missing person is believed dead and "
                                "to be this body" if ident.state == "confirmed" else
                                f"{ident.state}: not confirmed; do not treat as an identification")
        else:
            entry["link"] = "a missing-person report linked to this case for review; no identification is stated"
        identifications.append(entry)
    record["missing_person_reports"] = identifications
    return record


def custody_excerpt(shas: list[str], collections: set[str]) -> list[CustodyEvent]:
    seqs = set(CustodyEvent.objects.filter(collection__in=collections, item_sha256="").values_list("seq", flat=True))
    for start in range(0, len(shas), 500):
        seqs |= set(CustodyEvent.objects.filter(item_sha256__in=shas[start:start + 500]).values_list("seq", flat=True))
    rows = []
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 1000):
        rows += list(CustodyEvent.objects.filter(seq__in=ordered[start:start + 1000]).order_by("seq"))
    return rows


def custody_line(event: CustodyEvent) -> str:
    row = {"seq": event.seq, "action": event.action, "actor": event.actor, "at": event.at.isoformat(),
           "collection": event.collection, "item_sha256": event.item_sha256, "details": event.details,
           "prev_hash": event.prev_hash, "hash": event.hash}
    return json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


# ---------------------------------------------------------------- the export


def bag_name(job: ExportJob, scope: Scope) -> str:
    kind, value = next(iter(scope.description.items()))
    label = "".join(c if c.isalnum() or c in "-_" else "-" for c in str(value))[:40].strip("-") or kind
    return f"dalil-bag-{job.pk}-{job.profile}-{kind}-{label}"


def check_out(out: Path) -> Path:
    out = Path(out).expanduser().absolute()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportRefused(f"{out} already exists and is not an empty folder: give a new folder for the package")
    if not out.parent.is_dir():
        raise ExportRefused(f"{out.parent} does not exist: create it or give another place for the package")
    return out


def export_bag(scope: Scope, profile_name: str, actor: str, out: Path | None = None, recipient: str = "",
               organization: str = "", recipient_keys=(), contacts_allowed: bool = False) -> ExportJob:
    """Write the package and record the job; out=None writes it under DALIL_HOME/exports/<job id>/ (web jobs).

    Families' contact details go in only encrypted to `recipient_keys` (age public keys), and only when
    `contacts_allowed` (whoever exports may see them); otherwise they are withheld (dalil/exports/contacts.py).
    """
    profile = profiles.get(profile_name)
    if profile.aggregates_only or not profile.originals:
        raise ExportRefused(f"the {profile.name} profile exports aggregates only (statistics), never an evidence "
                            "package: choose prosecutor or partner")
    try:
        box = contacts.decide(profile, recipient_keys, contacts_allowed, actor)
    except contacts.ContactKeyError as exc:
        raise ExportRefused(str(exc)) from None
    if out is not None:
        out = check_out(out)
    shas = [i.sha256 for i in scope.items]
    prefer = scope.description.get("collection", "")
    sealed, chosen = sealed_collections(shas, prefer)
    with export_job(ExportJob.Kind.BAG, profile.name, actor, scope.description, out or "", recipient) as job:
        if out is None:
            exports = Path(settings.HOME) / "exports"
            out = exports / str(job.pk) / bag_name(job, scope)
            out.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            exports.chmod(PRIVATE_DIR)  # also when an older version made it world-readable
            job.output = str(out)
            job.save(update_fields=["output"])
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))  # 0700
        try:
            summary = _write_package(tmp, job, scope, profile, sealed, chosen, actor, organization or "dalil archive",
                                     box)
            make_private(tmp)
            if out.exists():
                out.rmdir()  # an empty folder the caller made; os.rename would refuse a non-empty one anyway
            os.rename(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        job.summary = summary
        _record_contacts(job, summary["contacts"], actor, profile)
        job.exported_items = [sha for sha in shas if sha not in summary["withheld_items"]]
    return job


def _record_contacts(job, summary: dict, actor: str, profile) -> None:
    """On the job and in the audit log: this package carries contact details, encrypted to these keys."""
    job.contact_details = summary["mode"] == "encrypted"
    job.contact_recipients = summary["keys"] if job.contact_details else []
    job.save(update_fields=["contact_details", "contact_recipients"])
    if job.contact_details:
        audit(None, AUDIT_EXPORTED_CONTACT, f"export:{job.pk}", actor=actor, job=job.pk, profile=profile.name,
              reports=summary["count"], encrypted_to=job.contact_recipients)


def _write_package(root: Path, job, scope: Scope, profile, sealed, chosen, actor: str, organization: str,
                   box: contacts.ContactBox) -> dict:
    store = originals()
    bag = BagWriter(root)
    counts = {"items": 0, "redacted": 0, "withheld": 0, "cases": len(scope.cases), "reports": 0,
              "reports_withheld": 0, "custody_rows": 0}
    withheld_items, entries, item_files = [], [], {}
    redacting = profile.metadata != "full"
    for item in scope.items:
        sha = item.sha256
        ext = EXTENSIONS.get(item.media_type, "bin")
        entry = {"sha256": sha, "size": item.size, "media_type": item.media_type, "collection": chosen[sha],
                 "metadata": f"data/metadata/{sha}.json", "proof": f"data/proofs/{sha}.json"}
        if redacting and item.media_type not in redact.REDACTORS:
            entry["withheld"] = (f"not included: metadata cannot be removed from {item.media_type or 'this kind of file'} "
                                 "without re-encoding it, and identifying metadata could remain in it")
        else:
            with store.open(sha) as source:
                if not redacting:
                    written = bag.add_stream(f"originals/{sha}.{ext}", source)
                    if written["sha256"] != sha:
                        raise StoreError(f"stored file {sha} has changed: its bytes now hash to {written['sha256']}; "
                                         "run `dalil verify` before exporting")
                    entry["file"] = f"data/originals/{sha}.{ext}"
                else:
                    data = source.read()
                    if hashlib.sha256(data).hexdigest() != sha:
                        raise StoreError(f"stored file {sha} has changed; run `dalil verify` before exporting")
                    try:
                        cut = redact.redact(data, item.media_type)
                    except redact.CannotRedact as exc:
                        entry["withheld"] = f"not included: {exc}; identifying metadata could remain in it"
                    else:
                        written = bag.add_bytes(f"redacted/{sha}.{ext}", cut.data)
                        entry["file"] = f"data/redacted/{sha}.{ext}"
                        entry["redacted"] = {"sha256": written["sha256"], "size": written["size"],
                                             "original_sha256": sha, "removed": cut.removed}
                        counts["redacted"] += 1
        if "withheld" in entry:
            withheld_items.append(sha)
            counts["withheld"] += 1
        item_files[sha] = entry.get("file")
        file_entry = {k: entry[k] for k in ("file", "redacted", "withheld") if k in entry}
        bag.add_json(f"metadata/{sha}.json", item_metadata(item, profile, file_entry))
        bag.add_json(f"proofs/{sha}.json", sealed[chosen[sha]].proof(sha))
        entries.append(entry)
        counts["items"] += 1
    for case in scope.cases:
        bag.add_json(f"cases/{case.pk}.json", case_record(case, profile, item_files, actor, job, counts, box))
    collections = set(chosen.values())
    rows = custody_excerpt(list(chosen), collections)
    head = CustodyEvent.objects.order_by("-seq").values("seq", "hash").first()
    bag.add_bytes("custody/custody-log.jsonl", "".join(custody_line(r) for r in rows).encode())
    counts["custody_rows"] = len(rows)
    seal_files = {}
    for name, sc in sorted(sealed.items()):
        seal = sc.seal
        seal_files[name] = f"data/seal/{_safe(name)}.json"
        bag.add_json(f"seal/{_safe(name)}.json", {
            "collection": name, "tree_size": seal.tree_size, "root": seal.root, "sealed_at": _iso(seal.sealed_at),
            "statement": seal.statement, "signature": seal.signature, "public_key": seal.public_key,
            "key_fingerprint": seal.key_fingerprint,
            "leaves": "the SHA-256 of every file of the collection, sorted ascending; RFC 6962 tree",
        })
    for tool in ("verify_proof.py", "check_package.py"):
        bag.add_bytes(f"verify/{tool}", (RECIPIENT_TOOLS / tool).read_bytes())
    created = timezone.now()
    identifier = f"dalil-export-{job.pk}"
    contact_summary = box.summary()
    if contact_summary["mode"] == "encrypted":
        bag.add_bytes(contacts.FILE, box.seal(identifier))
    bag.add_json("package.json", {
        "format": PACKAGE_FORMAT, "identifier": identifier, "job": job.pk, "profile": profile.name,
        "scope": scope.description, "created_at": _iso(created), "recipient": job.recipient,
        "software": f"dalil {_version()}",
        "items": entries, "cases": [f"data/cases/{c.pk}.json" for c in scope.cases], "seals": seal_files,
        "custody": {"file": "data/custody/custody-log.jsonl", "rows": len(rows),
                    "head": {"seq": head["seq"], "hash": head["hash"]} if head else None,
                    "row_hash": "SHA-256 of the UTF-8 JSON of seq, action, actor, at, collection, item_sha256, "
                                "details, prev_hash; keys sorted, separators ',' and ':', non-ASCII as is"},
        "counts": {k: v for k, v in counts.items() if k != "reports_withheld"},
        "contacts": contact_summary,
    })
    fingerprints = sorted({sc.seal.key_fingerprint for sc in sealed.values()})
    ctx = {"identifier": identifier, "created": created.strftime("%Y-%m-%d %H:%M"), "organization": organization,
           "recipient": job.recipient, "scope": scope.label, "profile": profile.name, "job": job.pk,
           "fingerprint": " / ".join(fingerprints), "contacts": contact_summary,
           "counts": f"{counts['items']} files, {counts['cases']} case(s), {counts['reports']} report(s)"
                     + (f", {counts['withheld']} file(s) withheld" if counts["withheld"] else "") + ".",
           "scope_ar": "، ".join(f"{SCOPE_AR.get(kind, kind)} {value}" for kind, value in scope.description.items()),
           "counts_ar": f"الملفات: {counts['items']}، الحالات: {counts['cases']}، البلاغات: {counts['reports']}"
                        + (f"، ملفات حُجبت: {counts['withheld']}" if counts["withheld"] else "") + "."}
    bag.add_tag_file("README.txt", readme.english(ctx))
    bag.add_tag_file("README.ar.txt", readme.arabic(ctx))
    bag.finish([
        ("Source-Organization", organization),
        ("External-Description", f"dalil evidence package, {profile.label} profile: {scope.label}"),
        ("External-Identifier", identifier),
        ("Internal-Sender-Identifier", f"export job {job.pk}"),
        ("Bagging-Date", created.date().isoformat()),
        ("Bag-Count", "1 of 1"),
        ("Bag-Software-Agent", "dalil"),
        ("Dalil-Export-Profile", profile.name),
        ("Dalil-Recipient", job.recipient or "-"),
        ("Dalil-Seal-Key-Fingerprint", " ".join(fingerprints)),
    ], sign=lambda root: signature.sign_package(root, identifier, _iso(created)))
    return {**counts, "withheld_items": withheld_items, "bag": identifier, "contacts": contact_summary}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dalil")
    except PackageNotFoundError:
        return "(development)"


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "collection"


def demo_package(collection: str, actor: str = "demo") -> ExportJob | None:
    """One prosecutor package of the collection's first case, made once, so `dalil demo` offers a bag to download.

    None when there is nothing to package yet (no case, or the collection is not sealed).
    """
    from dalil.archive.models import BodyCase
    from dalil.exports import scope as scopes

    for job in ExportJob.objects.filter(kind=ExportJob.Kind.BAG, status=ExportJob.Status.DONE, requested_by=actor):
        if job.output and Path(job.output).is_dir():
            return job
    case = (BodyCase.objects.filter(merged_into__isnull=True, photos__item__sightings__acquisition__collection__name=
                                    collection).order_by("pk").first())
    if case is None:
        return None
    try:
        return export_bag(scopes.for_case(case.pk), "prosecutor", actor, recipient="demo recipient (synthetic data)",
                          organization="dalil demo")
    except (ExportRefused, scopes.ScopeError):
        return None
