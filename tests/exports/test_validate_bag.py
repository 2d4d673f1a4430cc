"""`dalil validate-bag` against the Library of Congress BagIt conformance suite, all of it."""

import pytest

from dalil.exports.management.commands.validate_bag import check
from tests.conftest import cli_env, cli_env_factory, corpus, dalil  # noqa: F401 - fixtures

pytestmark = pytest.mark.corpus


def bags(*kinds: str):
    suite = corpus("bagit-conformance")
    found = sorted(p for kind in kinds for p in suite.glob(f"v*/{kind}/*") if p.is_dir())
    assert found, f"no bags under {suite}/v*/{kinds}"
    return found


def test_every_valid_bag_of_the_suite_passes():
    wrong = {str(p): v["reason"] for p in bags("valid") if not (v := check(p))["valid"]}
    assert not wrong, wrong


def test_every_invalid_bag_of_the_suite_fails_with_a_reason():
    # linux-only: paths that escape the bag on a POSIX system (~, /tmp/...), invalid here as on any Linux.
    invalid = bags("invalid", "linux-only")
    verdicts = {p: check(p) for p in invalid}
    passed = [str(p) for p, v in verdicts.items() if v["valid"]]
    assert not passed, f"accepted as valid: {passed}"
    for path, verdict in verdicts.items():
        assert verdict["reason"].startswith(f"{path} is not a valid BagIt bag: ") and len(verdict["reason"]) > len(
            str(path)) + 30, verdict


def test_a_pre_1_0_bag_listing_a_file_twice_with_one_hash_is_valid_with_a_warning_but_not_in_1_0():
    suite = corpus("bagit-conformance")
    old = check(suite / "v0.97/warning/same-filename-listed-twice-with-the-same-hash")
    assert old["valid"] and any("multiple times" in w for w in old["warnings"])
    new = check(suite / "v1.0/invalid/same-filename-listed-twice-with-the-same-hash")
    assert not new["valid"]


def test_the_command_answers_to_validate_bag_with_a_hyphen_and_exits_non_zero_on_an_invalid_bag(cli_env):
    suite = corpus("bagit-conformance")
    good, bad = suite / "v1.0/valid/basicBag", suite / "v1.0/invalid/notAllManifestsListAllFiles"
    ok = dalil(cli_env, "validate-bag", str(good))
    assert ok.returncode == 0 and ok.stdout.startswith(f"VALID: {good}"), ok.stdout + ok.stderr
    refused = dalil(cli_env, "validate-bag", str(good), str(bad))
    assert refused.returncode == 1
    assert "data/missingFromManifest.txt is in the payload but listed in no manifest" in refused.stdout
    assert "1 of 2 bag(s) are not valid" in refused.stderr


def _bag(tmp_path, files: dict, algorithms=("sha256", "sha512")) -> "Path":
    import bagit

    root = tmp_path / "bag"
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)
    bagit.make_bag(str(root), checksums=list(algorithms))
    return root


def test_a_v1_bag_with_a_file_missing_from_one_of_its_two_manifests_is_invalid_and_named(tmp_path):
    bag = _bag(tmp_path, {"a.jpg": b"one", "b.jpg": b"two"})
    manifest = bag / "manifest-sha512.txt"
    manifest.write_text("".join(line + "\n" for line in manifest.read_text().splitlines() if "b.jpg" not in line))
    verdict = check(bag)
    assert not verdict["valid"]
    assert "data/b.jpg is listed in some payload manifests but not in manifest-sha512.txt" in verdict["reason"]


def test_a_bag_whose_fetch_txt_lists_absent_files_is_invalid_and_names_them(tmp_path):
    bag = _bag(tmp_path, {"a.jpg": b"one"})
    (bag / "fetch.txt").write_text("https://example.org/b.jpg 3 data/b.jpg\n")
    verdict = check(bag)
    assert not verdict["valid"] and "fetch.txt lists data/b.jpg" in verdict["reason"], verdict
    # Listed in the manifests too, but never fetched: incomplete, so not valid.
    import hashlib
    for algorithm in ("sha256", "sha512"):
        with open(bag / f"manifest-{algorithm}.txt", "a") as f:
            f.write(f"{hashlib.new(algorithm, b'two').hexdigest()}  data/b.jpg\n")
    verdict = check(bag)
    assert not verdict["valid"] and "data/b.jpg is listed in fetch.txt" in verdict["reason"]
    assert "has not been fetched" in verdict["reason"]


def test_a_missing_or_extra_file_is_named_not_only_counted(tmp_path):
    bag = _bag(tmp_path, {"a.jpg": b"one", "b.jpg": b"two"})
    (bag / "data/b.jpg").unlink()
    (bag / "data/c.jpg").write_bytes(b"three")
    reason = check(bag)["reason"]
    assert "data/b.jpg is listed in the manifests but missing from the payload" in reason
    assert "data/c.jpg is in the payload but listed in no manifest" in reason


def test_a_size_mismatch_names_the_file(tmp_path):
    bag = _bag(tmp_path, {"a.jpg": b"one", "b.jpg": b"two"})
    (bag / "data/b.jpg").write_bytes(b"two and more")
    reason = check(bag)["reason"]
    assert "Payload-Oxum" in reason and "data/b.jpg" in reason, reason
