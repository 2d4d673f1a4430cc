"""The real `dalil import` / `dalil export pfif` commands, in their own processes and instances."""

import json

import pytest

from tests.conftest import dalil

pytestmark = [pytest.mark.slow, pytest.mark.corpus]


def test_the_commands_import_refuse_export_and_reimport_pfif(cli_env_factory, pfif_dir, tmp_path):
    first, second = cli_env_factory(), cli_env_factory()
    bad = dalil(first, "import", "pfif", str(pfif_dir / "test.pfif-1.2-badrecord.xml"), "--consent", "prosecutors",
                "--json")
    assert bad.returncode == 3, bad.stderr
    summary = json.loads(bad.stdout)
    assert summary["created"] == 1 and summary["rejected"][0]["what"] == "person record foo.google.com/person.666"
    public = dalil(first, "export", "pfif", str(tmp_path / "public.xml"), "--profile", "public")
    assert public.returncode == 1 and "aggregates only" in public.stderr
    out = tmp_path / "out.xml"
    dalil(first, "export", "pfif", str(out), "--profile", "prosecutor", check=True)
    again = dalil(second, "import", "pfif", str(out), "--consent", "prosecutors", check=True)
    assert "1 new" in again.stdout and "4 new" in again.stdout
