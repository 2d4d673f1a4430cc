"""A pytest plugin (named in pyproject.toml's addopts): the test session's instance folder is a fresh temporary one.

Django's settings create DALIL_HOME (default ./dalil-data) and write keys and a log there as soon as they load,
and pytest-django loads them before any conftest runs. So the folder must be chosen here, when pytest loads its
plugins: never the checkout's ./dalil-data, never a real instance named by a DALIL_HOME left in the shell.
Tests that need their own instance still make one (the `instance` and `cli_env` fixtures).
"""

import os
import shutil
import tempfile

_HOME = tempfile.mkdtemp(prefix="dalil-tests-")
os.environ["DALIL_HOME"] = _HOME


def pytest_report_header(config):
    return f"dalil: test instance folder {_HOME} (removed at the end)"


def pytest_unconfigure(config):
    shutil.rmtree(_HOME, ignore_errors=True)
