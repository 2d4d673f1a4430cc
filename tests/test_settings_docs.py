import re

from tests.conftest import ROOT


def test_every_environment_variable_read_is_documented():
    documented = set(re.findall(r"`(DALIL_[A-Z0-9_]+)`", (ROOT / "docs" / "settings.md").read_text()))
    read = set()
    for path in list((ROOT / "dalil").rglob("*.py")) + list((ROOT / "tests").rglob("*.py")):
        if path.name == "test_settings_docs.py":
            continue
        for name in re.findall(r"[\"'](DALIL_[A-Z0-9_]+)[\"']", path.read_text()):
            read.add(name.removesuffix("_FILE") if name.endswith("_KEY_FILE") and name != "DALIL_SIGNING_KEY_FILE" else name)
    assert read - documented == set(), f"undocumented settings: {sorted(read - documented)}"
