"""The `dalil` command as a new archivist meets it: its version, its help, its names, its errors, its pipes."""

import io
import json
import os
import shutil
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError

from dalil.archive.models import BodyCase, Photo
from dalil.evidence.models import Acquisition, Collection, Item, Sighting
from tests.conftest import ROOT, dalil


def _exe() -> str:
    return str(Path(sys.executable).with_name("dalil"))


def test_it_prints_dalils_version_not_djangos(cli_env):
    proc = dalil(cli_env, "--version", check=True)
    assert proc.stdout.strip() == f"dalil {version('dalil')}"
    assert not Path(cli_env["DALIL_HOME"]).exists()  # asking for the version makes no instance folder


def test_it_lists_dalils_commands_grouped_and_hides_djangos(cli_env):
    listing = dalil(cli_env, "--help", check=True).stdout
    assert dalil(cli_env, check=True).stdout == listing == dalil(cli_env, "help", check=True).stdout
    assert "Evidence: stored originals, custody and seals\n  proof " in listing
    for name, app in get_commands().items():  # found in the installed apps: a new command appears by itself
        if app.startswith("dalil."):
            assert f"\n  {name.replace('_', '-')} " in listing, name
    assert "validate-bag" in listing and "validate_bag" not in listing
    for developer_command in ("startproject", "flush", "runserver", "makemigrations", "sqlflush"):
        assert developer_command not in listing
    assert "`dalil django --help`" in listing


def test_it_keeps_djangos_commands_behind_dalil_django(cli_env):
    listing = dalil(cli_env, "django", "--help", check=True).stdout
    assert "  migrate " in listing and "  startproject " in listing and "  ingest " not in listing
    shown = dalil(cli_env, "django", "showmigrations", "evidence", check=True).stdout
    assert "[X] 0001_initial" in shown  # migrated first, as every command but migrate itself
    assert dalil(cli_env, "check").returncode == 0  # `dalil check --deploy` (docs/deploy.md) still works


def test_it_takes_hyphens_and_the_old_underscores(cli_env):
    helped = dalil(cli_env, "help", "validate-bag", check=True).stdout
    assert helped.startswith("usage: dalil validate-bag ")
    assert dalil(cli_env, "help", "validate_bag", check=True).stdout == helped
    assert dalil(cli_env, "validate_bag", "--help", check=True).stdout == helped
    hyphens = json.loads(dalil(cli_env, "group-cases", "--dry-run", "--json", check=True).stdout)
    underscores = json.loads(dalil(cli_env, "group_cases", "--dry-run", "--json", check=True).stdout)
    assert hyphens == underscores


def test_it_exits_2_on_usage_errors_with_a_hint(cli_env):
    unknown = dalil(cli_env, "validat-bag")
    assert unknown.returncode == 2 and "Did you mean `dalil validate-bag`?" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert dalil(cli_env, "help", "nothing-like-it").returncode == 2
    assert dalil(cli_env, "django", "migrat").returncode == 2
    missing = dalil(cli_env, "validate-bag")
    assert missing.returncode == 2 and "the following arguments are required: PATH" in missing.stderr
    assert dalil(cli_env, "numbers", "reapply", "--collection", "caesar").returncode == 2
    assert dalil(cli_env, "cases", "list", "--no-such-option").returncode == 2


@pytest.mark.parametrize("args", [("--help",), ("django", "--help"), ("cases", "list")])
def test_it_says_nothing_when_the_reader_closes_the_pipe(cli_env, args):
    proc = subprocess.Popen([_exe(), *args], env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()  # as `| head` does once it has its lines: every write of dalil's meets a closed pipe
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert stderr == ""


@pytest.mark.django_db
@pytest.mark.parametrize("command", [
    ["quarantine", "--collection", "typo"],
    ["seal", "--collection", "typo"],
    ["verify", "--collection", "typo"],
    ["statistics", "--collection", "typo"],
    ["report", "--collection", "typo", "{out}/report.pdf"],
    ["export", "bag", "--collection", "typo", "--recipient", "Prosecutor X", "{out}/bag"],
    ["faces", "index", "--collection", "typo"],
    ["group_cases", "--collection", "typo"],
    ["cases", "list", "--collection", "typo"],
    ["numbers", "reapply", "--collection", "typo", "--pattern", "exam-(?P<exam>\\d+)"],
    ["proof", "0" * 64, "--collection", "typo"],
])
def test_it_refuses_an_unknown_collection_everywhere(instance, tmp_path, command):
    Collection.objects.create(name="caesar")
    Collection.objects.create(name="aleppo-2014")
    args = [a.replace("{out}", str(tmp_path)) for a in command]
    with pytest.raises(CommandError) as refused:
        call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())
    assert str(refused.value) == "no collection named 'typo'; collections here: aleppo-2014, caesar"


@pytest.mark.django_db
def test_it_says_when_there_is_no_collection_at_all(instance):
    with pytest.raises(CommandError, match=r"no collection named 'caesar'; this instance has no collections yet"):
        call_command("quarantine", "--collection", "caesar")


def _case_with_photos(collection: Collection, numbers: tuple, shas: list[str]) -> BodyCase:
    case = BodyCase.objects.create(branch=numbers[0], detainee_no=numbers[1], exam_no=numbers[2])
    acquisition, _ = Acquisition.objects.get_or_create(collection=collection, source=f"/media/{collection.name}",
                                                       kind="folder")
    for n, sha in enumerate(shas):
        item = Item.objects.create(sha256=sha, size=10, media_type="image/jpeg")
        Sighting.objects.create(acquisition=acquisition, item=item, key=sha, path=f"exam-{numbers[2]}/{n}.jpg",
                                size=10, outcome=Sighting.Outcome.INGESTED)
        Photo.objects.create(item=item, format="JPEG", width=1, height=1, branch=numbers[0], exam_no=numbers[2],
                             sequence=n + 1, case=case)
    return case


@pytest.mark.django_db
def test_it_lists_cases_with_their_numbers_and_photo_counts(instance):
    caesar, aleppo = Collection.objects.create(name="caesar"), Collection.objects.create(name="aleppo")
    first = _case_with_photos(caesar, ("215", "774", "1141"), ["a" * 64, "b" * 64])
    second = _case_with_photos(aleppo, ("227", "", "1187"), ["c" * 64])
    out = io.StringIO()
    call_command("cases", "list", "--json", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(r["id"], r["exam_no"], r["photo_count"]) for r in rows] == [(first.pk, "1141", 2), (second.pk, "1187", 1)]
    out = io.StringIO()
    call_command("cases", "list", "--collection", "aleppo", stdout=out)
    assert f"case {second.pk:>6}  branch 227 / detainee ? / exam 1187  1 photo(s)" in out.getvalue()
    assert "1141" not in out.getvalue() and "1 case(s)" in out.getvalue()
    out = io.StringIO()
    call_command("cases", "list", "--number", "٧٧٤", "--json", stdout=out)  # Arabic digits find 774
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == [first.pk]


@pytest.mark.django_db
def test_it_shows_a_cases_photos_with_their_sha256(instance):
    case = _case_with_photos(Collection.objects.create(name="caesar"), ("215", "774", "1141"), ["a" * 64, "b" * 64])
    out = io.StringIO()
    call_command("cases", "show", str(case.pk), stdout=out)
    assert f"{'a' * 64}  caesar: exam-1141/0.jpg" in out.getvalue()
    assert f"dalil export bag --case {case.pk}" in out.getvalue()
    out = io.StringIO()
    call_command("cases", "show", str(case.pk), "--json", stdout=out)
    shown = json.loads(out.getvalue())
    assert [p["sha256"] for p in shown["photos"]] == ["a" * 64, "b" * 64] and shown["photo_count"] == 2
    with pytest.raises(CommandError, match="there is no case 999999: `dalil cases list` shows the case ids"):
        call_command("cases", "show", "999999")


def test_it_keeps_the_test_instance_out_of_the_checkout():
    for path in (settings.HOME, settings.KEYS_DIR, Path(settings.STORE_URL)):
        assert not Path(path).resolve().is_relative_to(ROOT), path
    assert os.environ["DALIL_HOME"] == str(settings.HOME)


def test_it_writes_no_dalil_data_where_pytest_runs(tmp_path):
    """A run with no DALIL_HOME set, from a folder standing for the checkout: no ./dalil-data appears there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DALIL_", "DJANGO_", "PYTEST_"))}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
                           str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT),
                           f"{ROOT}/tests/test_cli.py::test_it_keeps_the_test_instance_out_of_the_checkout"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (tmp_path / "dalil-data").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_it_lets_make_test_go_on_without_root_or_a_browser(tmp_path):
    """`make browser` (a step of `make test`) as a user who cannot apt-get: it says so and succeeds."""
    command = ["make", "-s", "-C", str(ROOT), "browser", "CHROMIUM=/nonexistent/chromium", "NGINX=/nonexistent/nginx"]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv to act as another user")
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "needs apt-get as root" in proc.stdout and "will skip" in proc.stdout
    assert "apt-get update" not in proc.stdout + proc.stderr
