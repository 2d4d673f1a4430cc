"""People and reports for name tests: Syrian names, both scripts."""

import pytest

from tests.identification.personas import caseworker, make_report, person, reviewer  # noqa: F401

__all__ = ["make_report", "person"]


@pytest.fixture
def analyst(db):
    from dalil.lib.roles import Role

    return person("nadia", Role.ANALYST)
