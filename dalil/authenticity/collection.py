"""Comparisons across a collection, after every photo's own checks: what one photo cannot show alone.

- `camera_tables`: a photo whose quantisation tables or marker layout differ from those of most photos of
  the same camera model (a re-save by software that kept the Exif, e.g. libvips, leaves the model's name
  but not its tables);
- `camera_identity`: a serial number or firmware (Exif Software) that only a few photos of a model carry;
- `sequence_time`: within one folder and one camera, a photo whose capture time does not fall between
  those of the files numbered just before and after it (a clock or a date edited on one photo).
Models or folders with too few photos give no comparison: the photo's result is `not_applicable`.
"""

import re
from collections import Counter, defaultdict

from dalil.authenticity.checks import CLEAN, FLAG, NOT_APPLICABLE, Finding

MIN_MODEL_PHOTOS = 5  # fewer photos of a model: no majority to compare with
RARE_SHARE = 0.1  # tables, serial or firmware held by at most this share of a model's photos stand out
VERSIONS = {"camera_tables": 1, "camera_identity": 1, "sequence_time": 1}


def _finding(rows, name):
    return {r["id"]: Finding(name, VERSIONS[name], NOT_APPLICABLE) for r in rows}


def compare(rows: list[dict]) -> dict[int, list[dict]]:
    """rows: id, model, serial, firmware, tables, layout, folder, name, captured (ISO text or "").
    Returns, per id, the collection findings as dicts."""
    out = defaultdict(list)
    for finder in (_camera_tables, _camera_identity, _sequence_time):
        for pk, finding in finder(rows).items():
            out[pk].append(finding.as_dict())
    return out


def _by_model(rows):
    models = defaultdict(list)
    for r in rows:
        if r["model"]:
            models[r["model"]].append(r)
    return models


def _camera_tables(rows):
    found = _finding(rows, "camera_tables")
    for model, group in _by_model(rows).items():
        if len(group) < MIN_MODEL_PHOTOS:
            continue
        tables = Counter(r["tables"] for r in group)
        layouts = Counter(r["layout"] for r in group)
        for r in group:
            f = found[r["id"]]
            f.result = CLEAN
            f.evidence = {"model": model, "photos_of_model": len(group),
                          "share_with_these_tables": round(tables[r["tables"]] / len(group), 3),
                          "share_with_this_layout": round(layouts[r["layout"]] / len(group), 3),
                          "table_sets_seen": len(tables)}
            if tables[r["tables"]] / len(group) <= RARE_SHARE:
                f.reasons.append("tables_rare_for_model")
            if layouts[r["layout"]] / len(group) <= RARE_SHARE:
                f.reasons.append("layout_rare_for_model")
            if f.reasons:
                f.result = FLAG
    return found


def _camera_identity(rows):
    found = _finding(rows, "camera_identity")
    for model, group in _by_model(rows).items():
        if len(group) < MIN_MODEL_PHOTOS:
            continue
        for field, reason in (("serial", "serial_rare_for_model"), ("firmware", "firmware_rare_for_model")):
            values = Counter(r[field] for r in group if r[field])
            if len(values) < 2:
                continue
            for r in group:
                if r[field] and values[r[field]] / len(group) <= RARE_SHARE:
                    found[r["id"]].reasons.append(reason)
                    found[r["id"]].evidence[field] = {"value": r[field], "photos_with_it": values[r[field]],
                                                      "most_common": values.most_common(1)[0][0],
                                                      "photos_of_model": len(group)}
        for r in group:
            f = found[r["id"]]
            f.result = FLAG if f.reasons else CLEAN
            f.evidence.setdefault("model", model)
    return found


def _number(name: str) -> int | None:
    digits = re.findall(r"\d+", name.rsplit(".", 1)[0])
    return int(digits[-1]) if digits else None


def _sequence_time(rows):
    found = _finding(rows, "sequence_time")
    runs = defaultdict(list)
    for r in rows:
        number = _number(r["name"])
        if r["captured"] and number is not None and r["model"]:
            runs[(r["folder"], r["model"], r["serial"])].append((number, r["captured"], r))
    for run in runs.values():
        if len(run) < 3:
            continue
        run.sort(key=lambda x: (x[0], x[2]["name"]))
        for i, (number, captured, r) in enumerate(run):
            before = run[i - 1] if i > 0 else None
            after = run[i + 1] if i + 1 < len(run) else None
            f = found[r["id"]]
            f.result = CLEAN
            f.evidence = {"captured": captured, "previous": [before[2]["name"], before[1]] if before else None,
                          "next": [after[2]["name"], after[1]] if after else None, "photos_in_sequence": len(run)}
            # Blame the photo that breaks the order, not its neighbours: its two neighbours agree with each other.
            if before and after and before[1] <= after[1] and not (before[1] <= captured <= after[1]):
                f.reasons.append("out_of_sequence")
            elif not before and after and i + 2 < len(run) and after[1] <= run[i + 2][1] and captured > after[1]:
                f.reasons.append("out_of_sequence")
            elif not after and before and i >= 2 and run[i - 2][1] <= before[1] and captured < before[1]:
                f.reasons.append("out_of_sequence")
            if f.reasons:
                f.result = FLAG
    return found
