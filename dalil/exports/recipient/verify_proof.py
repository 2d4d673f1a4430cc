#!/usr/bin/env python3
"""Check that a file belongs to a sealed dalil collection.

An archive running dalil can hand out, for any file it holds, a small
"inclusion proof" (a JSON file).  This script checks such a proof on your own
computer.  It needs only Python 3.8 or newer: nothing to install, no network,
and none of the archive's software.  It is deliberately one short file so it
can be read and audited.

Usage:

    python3 verify_proof.py FILE PROOF.json [--fingerprint FP] [--quiet]

It checks, in order:

1. FILE's SHA-256 is the one the proof is about (a single changed bit fails).
2. The proof's audit path leads from that hash to the collection's root hash
   (a Merkle tree, RFC 6962 / RFC 9162), i.e. the file is one item of the
   collection the root stands for.
3. The signed statement ("seal") names the same collection, size and root.
4. The seal's Ed25519 signature (RFC 8032) verifies with the public key in the
   proof, and the key's fingerprint is SHA-256 of that key.
5. With --fingerprint, the key is the one you expected.

Step 5 matters: anyone can make a proof that passes steps 1-4 with a key of
their own.  Compare the fingerprint printed on success with the one the
archive published (or pass it with --fingerprint, with or without the
"SHA256:" prefix; case, colons and spaces are ignored).

Exit status: 0 = VALID, 1 = INVALID (the reason is printed), 2 = wrong usage.
With --quiet nothing is printed on success; failures are still explained.
"""

import argparse
import hashlib
import json
import re
import sys

PROOF_FORMAT = "dalil-inclusion-proof/1"
SEAL_FORMAT = "dalil-seal/1"
_HEX64 = re.compile(r"\A[0-9a-fA-F]{64}\Z")


class Invalid(Exception):
    """A reason the proof does not hold, worded for the person running this."""


# --- Merkle inclusion (RFC 9162 §2.1.3.2), copied so nothing needs installing.

def _node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_proof(leaf_data, index, tree_size, path):
    """Return the root an audit path leads to; ValueError if it cannot fit."""
    if not 0 <= index < tree_size:
        raise ValueError("leaf index out of range")
    fn, sn = index, tree_size - 1
    r = hashlib.sha256(b"\x00" + leaf_data).digest()
    for p in path:
        if sn == 0:
            raise ValueError("audit path is too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("audit path is too short")
    return r


# --- Ed25519 verification (RFC 8032 §5.1.7), reference style with plain ints.
# Slow next to a C library, but a single check takes milliseconds.

_P = 2 ** 255 - 19
_L = 2 ** 252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _add(a, b):
    # Points in extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z.
    A = (a[1] - a[0]) * (b[1] - b[0]) % _P
    B = (a[1] + a[0]) * (b[1] + b[0]) % _P
    C = 2 * a[3] * b[3] * _D % _P
    D = 2 * a[2] * b[2] % _P
    E, F, G, H = B - A, D - C, D + C, B + A
    return (E * F % _P, G * H % _P, F * G % _P, E * H % _P)


def _mul(s, pt):
    q = (0, 1, 1, 0)  # neutral element
    while s > 0:
        if s & 1:
            q = _add(q, pt)
        pt = _add(pt, pt)
        s >>= 1
    return q


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y, sign):
    if y >= _P:
        return None  # non-canonical y
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P)
    if x2 % _P == 0:
        return None if sign else 0  # "-0" is a non-canonical encoding
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None  # not on the curve
    if (x & 1) != sign:
        x = _P - x
    return x


def _decode_point(s):
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


# The base point B: y = 4/5, x positive (even).
_G = _decode_point((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))


def ed25519_verify(public_key, message, signature):
    """Return True if ``signature`` is a valid Ed25519 signature of ``message``."""
    if len(public_key) != 32 or len(signature) != 64:
        return False
    A = _decode_point(public_key)
    R = _decode_point(signature[:32])
    if A is None or R is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _L:
        return False  # rejects malleable signatures
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    # Cofactorless check [S]B = R + [k]A.
    return _equal(_mul(s, _G), _add(R, _mul(k, A)))


# --- Reading the proof.

def _field(obj, name, kind, where="the proof"):
    if name not in obj:
        raise Invalid("%s has no %r field" % (where, name))
    value = obj[name]
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if not ok:
        raise Invalid("the %r field in %s has the wrong type" % (name, where))
    return value


def _hex(obj, name, nbytes, where="the proof"):
    value = _field(obj, name, str, where)
    if not re.match(r"\A[0-9a-fA-F]{%d}\Z" % (2 * nbytes), value):
        raise Invalid("the %r field in %s is not %d hex digits" % (name, where, 2 * nbytes))
    return value.lower()


def normalise_fingerprint(text):
    """'SHA256:AB:cd ...' -> 'abcd...' (64 hex digits), or None if not one."""
    text = text.strip()
    if text[:7].upper() == "SHA256:":
        text = text[7:]
    text = re.sub(r"[:\s]", "", text).lower()
    return text if _HEX64.match(text) else None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check(file_path, proof_path, expected_fp=None):
    """Check everything; return a dict of facts for the report or raise Invalid."""
    try:
        with open(proof_path, "r", encoding="utf-8") as f:
            proof = json.load(f)
    except FileNotFoundError:
        raise Invalid("the proof file %s does not exist" % proof_path)
    except (OSError, UnicodeDecodeError) as e:
        raise Invalid("cannot read the proof file %s: %s" % (proof_path, e))
    except ValueError as e:
        raise Invalid("the proof file %s is not valid JSON: %s" % (proof_path, e))
    if not isinstance(proof, dict):
        raise Invalid("the proof file is not a JSON object")
    fmt = _field(proof, "format", str)
    if fmt != PROOF_FORMAT:
        raise Invalid("the proof format is %r; this tool checks %r" % (fmt, PROOF_FORMAT))
    collection = _field(proof, "collection", str)
    file_sha = _hex(proof, "file_sha256", 32)
    index = _field(proof, "leaf_index", int)
    size = _field(proof, "tree_size", int)
    path = _field(proof, "audit_path", list)
    for i, entry in enumerate(path):
        if not (isinstance(entry, str) and _HEX64.match(entry)):
            raise Invalid("entry %d of 'audit_path' is not 64 hex digits" % i)
    root = _hex(proof, "root", 32)
    seal = _field(proof, "seal", dict)
    statement_text = _field(seal, "statement", str, "the seal")
    signature = _hex(seal, "signature", 64, "the seal")
    public_key = _hex(seal, "public_key", 32, "the seal")
    claimed_fp = _field(seal, "key_fingerprint", str, "the seal")

    # 1. The file is the one the proof is about.
    try:
        actual_sha = sha256_file(file_path)
    except FileNotFoundError:
        raise Invalid("the file %s does not exist" % file_path)
    except OSError as e:
        raise Invalid("cannot read the file %s: %s" % (file_path, e))
    if actual_sha != file_sha:
        raise Invalid("the file's SHA-256 is %s but the proof is for %s" % (actual_sha, file_sha))

    # 2. The audit path leads from the file's hash to the root.
    if not 0 <= index < size:
        raise Invalid("leaf_index %d is outside a collection of %d items" % (index, size))
    try:
        got = root_from_inclusion_proof(bytes.fromhex(file_sha), index, size,
                                        [bytes.fromhex(p) for p in path])
    except ValueError:
        raise Invalid("the audit path has the wrong number of entries (%d) for item %d of %d"
                      % (len(path), index + 1, size))
    if got.hex() != root:
        raise Invalid("the audit path does not lead to the signed root")

    # 3. The signed statement is about this collection, size and root.
    try:
        statement = json.loads(statement_text)
    except ValueError:
        raise Invalid("the seal's statement is not valid JSON")
    if not isinstance(statement, dict):
        raise Invalid("the seal's statement is not a JSON object")
    where = "the seal's statement"
    if _field(statement, "format", str, where) != SEAL_FORMAT:
        raise Invalid("the seal's statement format is not %r" % SEAL_FORMAT)
    if _field(statement, "collection", str, where) != collection:
        raise Invalid("the seal is for collection %r, not %r" % (statement["collection"], collection))
    if _field(statement, "tree_size", int, where) != size:
        raise Invalid("the seal covers %d items, but the proof says %d" % (statement["tree_size"], size))
    if _hex(statement, "root", 32, where) != root:
        raise Invalid("the root in the proof is not the root in the signed statement")
    sealed_at = _field(statement, "sealed_at", str, where)

    # 4. The key fingerprint and the signature.
    fp = hashlib.sha256(bytes.fromhex(public_key)).hexdigest()
    if normalise_fingerprint(claimed_fp) != fp:
        raise Invalid("the proof's key_fingerprint %s does not match its public key (SHA256:%s)"
                      % (claimed_fp, fp))
    if not ed25519_verify(bytes.fromhex(public_key), statement_text.encode("utf-8"),
                          bytes.fromhex(signature)):
        raise Invalid("the signature does not verify with the public key in the proof")

    # 5. The key is the one the person expected.
    if expected_fp is not None and expected_fp != fp:
        raise Invalid("the key fingerprint is SHA256:%s, not the expected SHA256:%s" % (fp, expected_fp))

    return {"index": index, "size": size, "collection": collection,
            "sealed_at": sealed_at, "fingerprint": fp}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check that FILE is in a sealed dalil collection, using PROOF.json.")
    parser.add_argument("file", metavar="FILE")
    parser.add_argument("proof", metavar="PROOF.json")
    parser.add_argument("--fingerprint", metavar="FP",
                        help="the key fingerprint the archive published (SHA256:...)")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    expected = None
    if args.fingerprint is not None:
        expected = normalise_fingerprint(args.fingerprint)
        if expected is None:
            parser.error("--fingerprint must be 64 hex digits, optionally prefixed by SHA256:")
    try:
        facts = check(args.file, args.proof, expected)
    except Invalid as e:
        print("INVALID: %s" % e)
        return 1
    if not args.quiet:
        print("VALID: %s is item %d of %d in collection %s, sealed %s by key SHA256:%s"
              % (args.file, facts["index"] + 1, facts["size"], facts["collection"],
                 facts["sealed_at"], facts["fingerprint"]))
        if expected is None:
            print("Compare SHA256:%s with the key fingerprint the archive published; "
                  "a proof made with any other key proves nothing." % facts["fingerprint"])
        else:
            print("The key matches the expected fingerprint.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
