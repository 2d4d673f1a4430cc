import hashlib
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from dalil.lib.merkle import inclusion_proof, merkle_root

TOOL = pathlib.Path(__file__).resolve().parents[2] / "tools" / "verify_proof.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("verify_proof", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _raw_public(key):
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _fingerprint(key):
    return hashlib.sha256(_raw_public(key)).hexdigest()


def _seal(proof, key, statement=None):
    """Sign a statement for the proof's root (or the given one) with key."""
    if statement is None:
        statement = json.dumps({
            "format": "dalil-seal/1",
            "collection": proof["collection"],
            "tree_size": proof["tree_size"],
            "root": proof["root"],
            "sealed_at": "2024-05-01T12:00:00Z",
        }, sort_keys=True)
    proof["seal"] = {
        "statement": statement,
        "signature": key.sign(statement.encode("utf-8")).hex(),
        "public_key": _raw_public(key).hex(),
        "key_fingerprint": "SHA256:" + _fingerprint(key),
    }
    return proof


@pytest.fixture
def case(tmp_path):
    """Seven files, a proof for the fifth in sorted order, and the signing key."""
    files = []
    for i in range(7):
        f = tmp_path / ("doc%d.txt" % i)
        f.write_bytes(b"witness statement %d\n" % i * (i + 1))
        files.append(f)
    digests = sorted(hashlib.sha256(f.read_bytes()).digest() for f in files)
    index = 4
    target = next(f for f in files if hashlib.sha256(f.read_bytes()).digest() == digests[index])
    key = Ed25519PrivateKey.generate()
    proof = _seal({
        "format": "dalil-inclusion-proof/1",
        "collection": "caesar-2013",
        "file_sha256": digests[index].hex(),
        "leaf_index": index,
        "tree_size": len(digests),
        "audit_path": [p.hex() for p in inclusion_proof(digests, index)],
        "root": merkle_root(digests).hex(),
    }, key)
    return {"file": target, "proof": proof, "key": key, "dir": tmp_path}


def _run(case, *extra, isolated=False):
    proof_path = case["dir"] / "PROOF.json"
    proof_path.write_text(json.dumps(case["proof"]), encoding="utf-8")
    cmd = [sys.executable] + (["-I"] if isolated else [])
    cmd += [str(TOOL), str(case["file"]), str(proof_path)] + list(extra)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=str(case["dir"]))


def _flip(hex_text):
    return ("1" if hex_text[0] == "0" else "0") + hex_text[1:]


@pytest.mark.parametrize("isolated", [False, True])
def test_it_accepts_a_valid_proof(case, isolated):
    r = _run(case, isolated=isolated)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith(
        "VALID: %s is item 5 of 7 in collection caesar-2013, sealed 2024-05-01T12:00:00Z "
        "by key SHA256:%s" % (case["file"], _fingerprint(case["key"])))
    assert "published" in r.stdout


def test_it_rejects_a_file_with_one_flipped_bit(case):
    data = bytearray(case["file"].read_bytes())
    data[3] ^= 0x01
    case["file"].write_bytes(bytes(data))
    r = _run(case, isolated=True)
    assert r.returncode == 1
    assert r.stdout.startswith("INVALID: the file's SHA-256 is ")
    assert "but the proof is for %s" % case["proof"]["file_sha256"] in r.stdout


def test_it_rejects_a_tampered_audit_path(case):
    case["proof"]["audit_path"][1] = _flip(case["proof"]["audit_path"][1])
    r = _run(case)
    assert r.returncode == 1
    assert "INVALID: the audit path does not lead to the signed root" in r.stdout


def test_it_rejects_an_audit_path_of_the_wrong_length(case):
    case["proof"]["audit_path"].pop()
    r = _run(case)
    assert r.returncode == 1
    assert "wrong number of entries" in r.stdout


def test_it_rejects_a_tampered_root_in_proof_and_statement(case):
    proof = case["proof"]
    statement = json.loads(proof["seal"]["statement"])
    proof["root"] = statement["root"] = _flip(proof["root"])
    proof["seal"]["statement"] = json.dumps(statement, sort_keys=True)
    r = _run(case)
    assert r.returncode == 1
    assert r.stdout.startswith("INVALID:")


def test_it_rejects_a_root_that_differs_from_the_signed_one(case):
    # A forger re-signs nothing, but swaps in a whole different tree.
    other = [hashlib.sha256(b"x").digest(), bytes.fromhex(case["proof"]["file_sha256"])]
    other.sort()
    proof = case["proof"]
    proof.update(leaf_index=other.index(bytes.fromhex(proof["file_sha256"])), tree_size=2,
                 root=merkle_root(other).hex())
    proof["audit_path"] = [p.hex() for p in inclusion_proof(other, proof["leaf_index"])]
    r = _run(case)
    assert r.returncode == 1
    assert "INVALID: the seal covers 7 items, but the proof says 2" in r.stdout


def test_it_rejects_a_signature_by_another_key(case):
    seal = case["proof"]["seal"]
    seal["signature"] = Ed25519PrivateKey.generate().sign(seal["statement"].encode()).hex()
    r = _run(case)
    assert r.returncode == 1
    assert "INVALID: the signature does not verify with the public key in the proof" in r.stdout


def test_it_rejects_a_statement_edited_after_signing(case):
    seal = case["proof"]["seal"]
    seal["statement"] = seal["statement"].replace("2024-05-01", "2023-05-01")
    r = _run(case)
    assert r.returncode == 1
    assert "INVALID: the signature does not verify" in r.stdout


def test_it_rejects_a_key_fingerprint_that_is_not_the_keys(case):
    case["proof"]["seal"]["key_fingerprint"] = "SHA256:" + "ab" * 32
    r = _run(case)
    assert r.returncode == 1
    assert "does not match its public key" in r.stdout


def test_it_rejects_an_unexpected_fingerprint(case):
    wanted = "SHA256:" + _fingerprint(Ed25519PrivateKey.generate())
    r = _run(case, "--fingerprint", wanted)
    assert r.returncode == 1
    assert "INVALID: the key fingerprint is SHA256:%s, not the expected %s" % (
        _fingerprint(case["key"]), wanted) in r.stdout


def test_it_accepts_the_expected_fingerprint_in_any_spelling(case):
    fp = _fingerprint(case["key"])
    spaced = ":".join(fp[i:i + 2] for i in range(0, 64, 2)).upper()
    for given in ("SHA256:" + fp, fp.upper(), "sha256:" + spaced, fp[:32] + " " + fp[32:]):
        r = _run(case, "--fingerprint", given, isolated=True)
        assert r.returncode == 0, (given, r.stdout)
        assert r.stdout.startswith("VALID:")
        assert "published" not in r.stdout


def test_it_prints_nothing_on_success_when_quiet(case):
    r = _run(case, "--quiet")
    assert (r.returncode, r.stdout) == (0, "")


def test_it_names_a_missing_field(case):
    del case["proof"]["leaf_index"]
    r = _run(case)
    assert r.returncode == 1
    assert "INVALID:" in r.stdout and "'leaf_index'" in r.stdout

    case["proof"]["leaf_index"] = 4
    del case["proof"]["seal"]["signature"]
    r = _run(case)
    assert r.returncode == 1
    assert "'signature'" in r.stdout


def test_it_rejects_malformed_json_and_missing_files(case):
    proof_path = case["dir"] / "broken.json"
    proof_path.write_text("{not json", encoding="utf-8")
    r = subprocess.run([sys.executable, "-I", str(TOOL), str(case["file"]), str(proof_path)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "not valid JSON" in r.stdout

    case["file"] = case["dir"] / "no-such-file"
    r = _run(case)
    assert r.returncode == 1 and "does not exist" in r.stdout


def test_it_exits_2_on_usage_errors(case):
    r = subprocess.run([sys.executable, str(TOOL), str(case["file"])], capture_output=True)
    assert r.returncode == 2
    r = _run(case, "--fingerprint", "not-a-fingerprint")
    assert r.returncode == 2


# RFC 8032 §7.1 TEST 1, TEST 2, TEST 3: (public key, message, signature).
RFC8032_VECTORS = [
    ("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33b"
     "acc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e1599"
     "6e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f2"
     "90ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]


def test_it_verifies_the_rfc8032_test_vectors():
    tool = _load_tool()
    for pk, msg, sig in RFC8032_VECTORS:
        assert tool.ed25519_verify(bytes.fromhex(pk), bytes.fromhex(msg), bytes.fromhex(sig))
        assert not tool.ed25519_verify(bytes.fromhex(pk), bytes.fromhex(msg) + b"!",
                                       bytes.fromhex(sig))


def test_it_rejects_a_signature_with_s_not_below_l():
    tool = _load_tool()
    pk, msg, sig = (bytes.fromhex(x) for x in RFC8032_VECTORS[0])
    L = 2 ** 252 + 27742317777372353535851937790883648493
    s = int.from_bytes(sig[32:], "little")
    # S + L satisfies the group equation just the same; only the range check stops it.
    malleable = sig[:32] + (s + L).to_bytes(32, "little")
    assert not tool.ed25519_verify(pk, msg, malleable)


def test_it_rejects_non_canonical_point_encodings():
    tool = _load_tool()
    pk, msg, sig = (bytes.fromhex(x) for x in RFC8032_VECTORS[0])
    p = 2 ** 255 - 19
    y_too_big = (p + 1).to_bytes(32, "little")  # y = 1 written as p + 1
    assert not tool.ed25519_verify(y_too_big, msg, sig)
    negative_zero_x = (1 | 1 << 255).to_bytes(32, "little")  # x = 0 with sign bit set
    assert not tool.ed25519_verify(pk, msg, negative_zero_x + sig[32:])
