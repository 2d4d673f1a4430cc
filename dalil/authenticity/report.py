"""Summaries of the stored findings: per collection (counts per check, reason and camera) and per photo."""

from collections import Counter

from dalil.authenticity.models import PhotoCheck
from dalil.authenticity.stage import photos_in


def collection_report(name: str | None) -> dict:
    """One object: counts, then `photos` (sha256, path, flags, reasons), the flagged ones first."""
    photos = photos_in(name)
    rows = (PhotoCheck.objects.filter(photo__in=photos).distinct()
            .select_related("photo__item").order_by("photo_id"))
    by_check, by_reason, by_camera, versions = Counter(), Counter(), Counter(), {}
    listed = []
    for row in rows:
        camera = " ".join(filter(None, (row.photo.camera_make, row.photo.camera_model))) or "(none)"
        by_camera[(camera, bool(row.flags))] += 1
        reasons = []
        for finding in row.all_findings:
            versions[finding["check"]] = finding["version"]
            if finding["result"] == "flag":
                by_check[finding["check"]] += 1
                reasons.extend(finding["reasons"])
        by_reason.update(set(reasons))
        sighting = row.photo.item.sightings.order_by("pk").values_list("path", flat=True).first() or ""
        listed.append({"sha256": row.photo.item.sha256, "path": sighting, "photo": row.photo_id,
                       "flags": list(row.flags), "reasons": sorted(set(reasons))})
    listed.sort(key=lambda p: (not p["flags"], p["photo"]))
    cameras = sorted({c for c, _ in by_camera})
    return {
        "collection": name or "",
        "photos_examined": len(listed),
        "photos_not_checked": photos.filter(authenticity__isnull=True).distinct().count(),
        "photos_flagged": sum(1 for p in listed if p["flags"]),
        "checks": versions,
        "flagged_by_check": dict(sorted(by_check.items())),
        "flagged_by_reason": dict(by_reason.most_common()),
        "cameras": [{"camera": c, "photos": by_camera[(c, False)] + by_camera[(c, True)],
                     "flagged": by_camera[(c, True)]} for c in cameras],
        "photos": listed,
    }
