#!/usr/bin/env python3
"""Check a dalil evidence package (a BagIt bag) on your own computer.

It needs only Python 3.8 or newer: nothing to install, no network, none of
the archive's software.  Run it from anywhere:

    python3 check_package.py BAG_FOLDER [--fingerprint SHA256:...]

(the package carries this file as data/verify/check_package.py, next to
verify_proof.py, which it uses).  It checks, and says which file fails:

1. The bag: every file listed in every manifest (SHA-256 and SHA-512) and tag
   manifest is there with those hashes, no payload file is unlisted, and every
   tag file is listed in the tag manifests.
2. The package signature (package-signature.json): the archive's Ed25519 key
   signed the SHA-256 of both payload manifests.  Whoever edits a file and
   writes new manifests cannot make this signature match.
3. Each seal (data/seal/*.json): its signature, and that its statement names
   the collection, size and root the file says.
4. Each original: its SHA-256, its inclusion proof and a seal that is one of the
   package's seals, exactly as `verify_proof.py FILE PROOF` does.  For a
   redacted copy (a partner package) the proof of the original it was cut from
   is checked without the file, and the copy's own hash against the package index.
   Every file under data/originals/ and data/redacted/ is in the package index.
5. The custody-log excerpt: each row's hash is recomputed from its content,
   each row that follows another directly points to that row's hash, and the
   number of rows is the one the index states.
6. With --fingerprint, that the package signature and every seal were made by
   the key you expected; with --package-sha256, that the package is the one
   whose hash the archive gave you (the SHA-256 of tagmanifest-sha512.txt,
   which covers everything else).  Without either, the package is only shown
   to be consistent with itself: someone could have re-signed all of it with a
   key of their own.  Get the fingerprint or the package hash from the archive
   through a channel you trust.

Exit status: 0 = every check passed, 1 = something failed (each failure is
printed), 2 = wrong usage.
"""

import argparse
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # importing verify_proof must not add a __pycache__ folder to the bag
sys.path.insert(0, HERE)
import verify_proof  # noqa: E402  (the copy shipped beside this file)


def _hashes(path):
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha256.update(chunk)
            sha512.update(chunk)
    return {"sha256": sha256.hexdigest(), "sha512": sha512.hexdigest()}


def _decode_path(text):
    # RFC 8493 2.1.3: CR, LF and % are percent-encoded in manifest paths.
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def check_bag(bag, problems):
    """Manifests and tag manifests; returns the number of payload files."""
    if not os.path.isfile(os.path.join(bag, "bagit.txt")):
        problems.append("bagit.txt is missing: this folder is not a BagIt bag")
        return 0
    payload = set()
    for root, _dirs, files in os.walk(os.path.join(bag, "data")):
        for name in files:
            payload.add(os.path.relpath(os.path.join(root, name), bag).replace(os.sep, "/"))
    cache = {}
    found_manifest = False
    for kind in ("manifest", "tagmanifest"):
        for algorithm in ("sha256", "sha512"):
            name = "%s-%s.txt" % (kind, algorithm)
            path = os.path.join(bag, name)
            if not os.path.isfile(path):
                if kind == "manifest":
                    problems.append("%s is missing" % name)
                continue
            found_manifest = True
            listed = set()
            with open(path, "r", encoding="utf-8") as f:
                for number, line in enumerate(f, start=1):
                    line = line.rstrip("\r\n")
                    if not line:
                        continue
                    digest, _sep, rel = line.partition(" ")
                    rel = _decode_path(rel.lstrip(" *"))
                    if rel.startswith("./"):
                        rel = rel[2:]
                    if rel.startswith("/") or ".." in rel.split("/"):
                        problems.append("%s line %d names a path outside the bag: %s" % (name, number, rel))
                        continue
                    listed.add(rel)
                    full = os.path.join(bag, *rel.split("/"))
                    if not os.path.isfile(full):
                        problems.append("%s lists %s, which is missing" % (name, rel))
                        continue
                    if rel not in cache:
                        cache[rel] = _hashes(full)
                    if cache[rel][algorithm] != digest.lower():
                        problems.append("%s has changed: its %s is %s, %s says %s"
                                        % (rel, algorithm.upper(), cache[rel][algorithm], name, digest.lower()))
            if kind == "manifest":
                for rel in sorted(payload - listed):
                    problems.append("%s is in the payload but not listed in %s" % (rel, name))
            else:
                for tag in sorted(_tag_files(bag) - listed):
                    problems.append("%s is a tag file of the bag but not listed in %s" % (tag, name))
    if not found_manifest:
        problems.append("the bag has no manifest")
    return len(payload)


def _tag_files(bag):
    return {n for n in os.listdir(bag) if os.path.isfile(os.path.join(bag, n)) and not n.startswith("tagmanifest-")}


PACKAGE_SIGNATURE = "package-signature.json"
SIGNED_MANIFESTS = ("manifest-sha256.txt", "manifest-sha512.txt")


def _verify_signed(record, where):
    """Check an Ed25519-signed record {statement, signature, public_key}; return its key's fingerprint (hex)."""
    try:
        public_key = bytes.fromhex(record["public_key"])
        signature = bytes.fromhex(record["signature"])
        statement = record["statement"]
    except (KeyError, TypeError, ValueError) as e:
        raise verify_proof.Invalid("%s is malformed (%s)" % (where, e))
    if not verify_proof.ed25519_verify(public_key, statement.encode("utf-8"), signature):
        raise verify_proof.Invalid("%s: the signature does not verify" % where)
    return hashlib.sha256(public_key).hexdigest()


def check_package_signature(bag, problems):
    """The archive's signature over both payload manifests; returns its key fingerprint, or None."""
    path = os.path.join(bag, PACKAGE_SIGNATURE)
    try:
        with open(path, "r", encoding="utf-8") as f:
            record = json.load(f)
        fp = _verify_signed(record, PACKAGE_SIGNATURE)
        statement = json.loads(record["statement"])
    except FileNotFoundError:
        problems.append("%s is missing: nothing ties this package to the archive" % PACKAGE_SIGNATURE)
        return None
    except (OSError, ValueError) as e:
        problems.append("%s cannot be read: %s" % (PACKAGE_SIGNATURE, e))
        return None
    except verify_proof.Invalid as e:
        problems.append(str(e))
        return None
    for name in SIGNED_MANIFESTS:
        try:
            actual = hashlib.sha256(open(os.path.join(bag, name), "rb").read()).hexdigest()
        except OSError:
            continue  # check_bag already said it is missing
        if (statement.get("manifests") or {}).get(name) != actual:
            problems.append("%s has changed since the archive signed the package (%s): a file was added, removed "
                            "or altered and the manifests rewritten" % (name, PACKAGE_SIGNATURE))
    return fp


def check_seals(bag, index, problems):
    """Every seal file of the package: signature and statement. Returns {collection: seal record}, fingerprints."""
    seals, fingerprints = {}, set()
    for collection, rel in sorted((index.get("seals") or {}).items()):
        try:
            with open(os.path.join(bag, *rel.split("/")), "r", encoding="utf-8") as f:
                record = json.load(f)
            fingerprints.add(_verify_signed(record, rel))
            statement = json.loads(record["statement"])
        except (OSError, ValueError) as e:
            problems.append("%s cannot be read: %s" % (rel, e))
            continue
        except verify_proof.Invalid as e:
            problems.append(str(e))
            continue
        named = (statement.get("collection"), statement.get("tree_size"), statement.get("root"))
        if named != (collection, record.get("tree_size"), record.get("root")) or record.get("collection") != collection:
            problems.append("%s: the signed statement does not name the collection, size and root the file states"
                            % rel)
            continue
        seals[collection] = record
    return seals, fingerprints


def check_proof_without_file(proof, where):
    """Steps 2-4 of verify_proof.py (path, statement, signature) for a file that is not in the package."""
    try:
        leaf = bytes.fromhex(proof["file_sha256"])
        root = verify_proof.root_from_inclusion_proof(leaf, proof["leaf_index"], proof["tree_size"],
                                                      [bytes.fromhex(p) for p in proof["audit_path"]])
    except (KeyError, TypeError, ValueError) as e:
        raise verify_proof.Invalid("%s: the proof is malformed (%s)" % (where, e))
    if root.hex() != proof["root"]:
        raise verify_proof.Invalid("%s: the audit path does not lead to the signed root" % where)
    seal = proof["seal"]
    statement = json.loads(seal["statement"])
    if (statement.get("root"), statement.get("tree_size"), statement.get("collection")) != (
            proof["root"], proof["tree_size"], proof["collection"]):
        raise verify_proof.Invalid("%s: the signed statement does not name this root, size and collection" % where)
    if not verify_proof.ed25519_verify(bytes.fromhex(seal["public_key"]), seal["statement"].encode("utf-8"),
                                       bytes.fromhex(seal["signature"])):
        raise verify_proof.Invalid("%s: the seal's signature does not verify" % where)
    return hashlib.sha256(bytes.fromhex(seal["public_key"])).hexdigest()


def _same_seal(proof, seals):
    seal, known = proof.get("seal") or {}, seals.get(proof.get("collection"))
    return known is not None and all(seal.get(k) == known.get(k) for k in ("statement", "signature", "public_key"))


def check_items(bag, index, seals, problems):
    fingerprints, checked, indexed = set(), 0, set()
    for item in index.get("items", []):
        sha = item.get("sha256", "?")
        if item.get("withheld"):
            continue
        indexed.add(item["file"])
        proof_path = os.path.join(bag, *item["proof"].split("/"))
        file_path = os.path.join(bag, *item["file"].split("/"))
        try:
            with open(proof_path, "r", encoding="utf-8") as f:
                if not _same_seal(json.load(f), seals):
                    raise verify_proof.Invalid("%s: its seal is not one of the package's seals (data/seal/)"
                                               % item["proof"])
            if item.get("redacted"):
                with open(proof_path, "r", encoding="utf-8") as f:
                    proof = json.load(f)
                if proof.get("file_sha256") != sha:
                    raise verify_proof.Invalid("%s: the proof is about another file" % item["proof"])
                fp = check_proof_without_file(proof, item["proof"])
                if not os.path.isfile(file_path):
                    raise verify_proof.Invalid("%s is missing" % item["file"])
                actual = verify_proof.sha256_file(file_path)
                if actual != item["redacted"]["sha256"]:
                    raise verify_proof.Invalid("%s has changed: its SHA-256 is %s, the index says %s"
                                               % (item["file"], actual, item["redacted"]["sha256"]))
            else:
                facts = verify_proof.check(file_path, proof_path)
                fp = facts["fingerprint"]
                if verify_proof.sha256_file(file_path) != sha:
                    raise verify_proof.Invalid("%s is not the original %s" % (item["file"], sha))
        except (OSError, ValueError) as e:
            problems.append("%s: %s" % (item.get("file", sha), e))
            continue
        except verify_proof.Invalid as e:
            problems.append("%s: %s" % (item.get("file", sha), e))
            continue
        fingerprints.add(fp)
        checked += 1
    for folder in ("originals", "redacted"):
        for root, _dirs, files in os.walk(os.path.join(bag, "data", folder)):
            for name in files:
                rel = os.path.relpath(os.path.join(root, name), bag).replace(os.sep, "/")
                if rel not in indexed:
                    problems.append("%s is in the package but not in its index (data/package.json)" % rel)
    return checked, fingerprints


def row_hash(row):
    body = {k: row[k] for k in ("seq", "action", "actor", "at", "collection", "item_sha256", "details", "prev_hash")}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_custody(bag, index, problems):
    rel = index.get("custody", {}).get("file")
    if not rel:
        return 0
    previous, count = None, 0
    with open(os.path.join(bag, *rel.split("/")), "r", encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                computed = row_hash(row)
            except (ValueError, KeyError) as e:
                problems.append("%s line %d cannot be read: %s" % (rel, number, e))
                continue
            count += 1
            if computed != row["hash"]:
                problems.append("%s line %d (custody row #%s, %s) was altered: its content hashes to %s, not %s"
                                % (rel, number, row["seq"], row["action"], computed, row["hash"]))
            if previous is not None and row["seq"] == previous["seq"] + 1 and row["prev_hash"] != previous["hash"]:
                problems.append("%s line %d: custody row #%s does not point to row #%s before it"
                                % (rel, number, row["seq"], previous["seq"]))
            if previous is not None and row["seq"] <= previous["seq"]:
                problems.append("%s line %d: custody rows are out of order" % (rel, number))
            previous = row
    stated = index.get("custody", {}).get("rows")
    if stated is not None and stated != count:
        problems.append("%s holds %d custody rows, but the package index says %d" % (rel, count, stated))
    return count


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check a dalil evidence package (BagIt) without dalil.")
    parser.add_argument("bag", metavar="BAG_FOLDER")
    parser.add_argument("--fingerprint", metavar="FP", help="the seal key fingerprint the archive published")
    parser.add_argument("--package-sha256", metavar="HEX",
                        help="the package's SHA-256 the archive gave you (of tagmanifest-sha512.txt)")
    args = parser.parse_args(argv)
    expected = None
    if args.fingerprint is not None:
        expected = verify_proof.normalise_fingerprint(args.fingerprint)
        if expected is None:
            parser.error("--fingerprint must be 64 hex digits, optionally prefixed by SHA256:")
    package_sha = None
    if args.package_sha256 is not None:
        package_sha = verify_proof.normalise_fingerprint(args.package_sha256)
        if package_sha is None:
            parser.error("--package-sha256 must be 64 hex digits")
    bag, problems = args.bag, []
    files = check_bag(bag, problems)
    if package_sha is not None:
        try:
            actual = verify_proof.sha256_file(os.path.join(bag, "tagmanifest-sha512.txt"))
        except OSError:
            actual = None
        if actual != package_sha:
            problems.append("this is not the package the archive described: tagmanifest-sha512.txt hashes to %s, "
                            "not %s" % (actual, package_sha))
    signer = check_package_signature(bag, problems)
    try:
        with open(os.path.join(bag, "data", "package.json"), "r", encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        problems.append("data/package.json cannot be read: %s" % e)
        index = {}
    seals, fingerprints = check_seals(bag, index, problems)
    checked, used = check_items(bag, index, seals, problems)
    rows = check_custody(bag, index, problems)
    keys = fingerprints | used | ({signer} if signer else set())
    if expected is not None:
        for fp in sorted(keys - {expected}):
            problems.append("signed by key SHA256:%s, not the expected SHA256:%s" % (fp, expected))
    elif len(keys) > 1:
        problems.append("the package and its seals are signed by %d different keys: %s"
                        % (len(keys), ", ".join("SHA256:" + k for k in sorted(keys))))
    if problems:
        for problem in problems:
            print("INVALID: %s" % problem)
        print("%d problem(s) found. Do not rely on this package until the archive explains them." % len(problems))
        return 1
    print("VALID: %d payload files match both manifests and the archive's signature; %d seal(s) verify; "
          "%d files' inclusion proofs and seals verify; %d custody rows match their hashes."
          % (files, len(seals), checked, rows))
    for fp in sorted(keys):
        print("Signed by key SHA256:%s%s" % (fp, "" if expected else
                                             " - compare it with the fingerprint the archive published."))
    if package_sha is not None:
        print("This is the package whose SHA-256 the archive gave: %s" % package_sha)
    if expected is None and package_sha is None:
        print("NOT TIED TO THE ARCHIVE: without --fingerprint or --package-sha256 this only shows the package is "
              "consistent with itself; anyone could have re-signed all of it with a key of their own.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
