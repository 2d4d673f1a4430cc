"""What RFC 8493 demands of a bag that bagit-python does not check, and reasons that name the file.

bagit-python checks the union of the payload manifests against the payload, so
a v1.0 bag whose file is missing from one of its two manifests passes; it
ignores files that fetch.txt says are still to be fetched; and it compares
Payload-Oxum counts before anything else, so a missing, extra or resized file
is explained only as "expected 3 files and 120 bytes but found 2 files and 80".
These checks run first, on names alone (no hashing), so the reason a bag is
refused names the file and the manifest, as bagit-java's verifier does.
"""

import os
import unicodedata

import bagit

SHOWN = 5


def _payload_algorithms(bag: bagit.Bag) -> list[str]:
    names = [os.path.basename(m) for m in bag.manifest_files()]
    return sorted(n[len("manifest-"):-len(".txt")] for n in names)


def problems(bag: bagit.Bag) -> list[str]:
    """Reasons (each naming a file) this bag is not complete and valid; [] when none are found here."""
    found: list[str] = []
    nfc = lambda path: unicodedata.normalize("NFC", path)  # noqa: E731 - as bagit compares names
    algorithms = _payload_algorithms(bag)
    listed = {nfc(path): hashes for path, hashes in bag.payload_entries().items()}
    on_disk = {nfc(path) for path in bag.payload_files()}
    # RFC 8493 3: every payload manifest lists every payload file (v1.0; 0.97 says the same of complete bags).
    for path, hashes in sorted(listed.items()):
        for algorithm in algorithms:
            if algorithm not in hashes:
                found.append(f"{path} is listed in some payload manifests but not in manifest-{algorithm}.txt: "
                             "every payload manifest must list every payload file")
    # RFC 8493 2.2.3: each fetch.txt entry is a payload file listed in the manifests; until it is fetched the
    # bag is incomplete, and an incomplete bag is not valid.
    try:
        fetched = [(url, size, nfc(os.path.normpath(name))) for url, size, name in bag.fetch_entries()]
    except (bagit.BagError, ValueError) as exc:
        return found + [f"fetch.txt cannot be read: {exc}"]
    for url, _size, path in fetched:
        if path not in listed:
            found.append(f"fetch.txt lists {path} ({url}), which no payload manifest lists")
        elif path not in on_disk:
            found.append(f"{path} is listed in fetch.txt ({url}) but has not been fetched: the bag is incomplete")
    fetch_paths = {path for _url, _size, path in fetched}
    for path in sorted(set(listed) - on_disk - fetch_paths):
        found.append(f"{path} is listed in the manifests but missing from the payload")
    for path in sorted(on_disk - set(listed)):
        found.append(f"{path} is in the payload but listed in no manifest")
    return found


def summarise(found: list[str]) -> str:
    more = len(found) - SHOWN
    return "; ".join(found[:SHOWN]) + (f"; and {more} more problem(s)" if more > 0 else "")


def name_resized_files(bag: bagit.Bag, processes: int) -> str:
    """After a Payload-Oxum mismatch with every file present: the files whose contents changed, by hash."""
    try:
        bag._validate_entries(max(1, processes))  # bagit's own per-file checksum pass (no public name for it)
    except bagit.BagValidationError as exc:
        return "; ".join(str(d) for d in getattr(exc, "details", [])[:SHOWN])
    return ""
