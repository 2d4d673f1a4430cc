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
    assert "missingFromManifest.txt exists on filesystem but is not in the manifest" in refused.stdout
    assert "1 of 2 bag(s) are not valid" in refused.stderr
