"""Fixtures for data exchange: the PFIF samples, an import helper, and a way to start from an empty database."""

import pytest

from dalil.exchange.common import consents_from
from dalil.exchange.models import ImportRun, PfifNote, PfifRecord, Rejection, TableReport, VictimListEntry
from dalil.exchange.pfif.importer import Options, import_pfif
from dalil.identification.models import Identification, MissingPersonReport
from tests.conftest import corpus
from tests.identification.personas import (analyst, caseworker, english_errors, fast_passwords,  # noqa: F401
                                           good_case, report, reviewer, second_reviewer)

ALL_CONSENTS = ["contact", "prosecutors", "other-bodies"]


@pytest.fixture
def pfif_dir():
    return corpus("pfif")


def pfif_samples():
    """Every sample file (an empty list, so tests skip, when the corpus is absent)."""
    from tests.conftest import CORPORA

    return sorted(p.name for p in (CORPORA / "pfif").glob("*.xml"))


def load(path, consents=ALL_CONSENTS, **options):
    return import_pfif(path, Options(actor="test", consents=consents_from(consents), **options))


def wipe() -> None:
    """An empty database for exchange and reports, as a second instance would have."""
    for model in (PfifNote, PfifRecord, Rejection, TableReport, VictimListEntry):
        model.objects.all().delete()
    ImportRun.objects.all().delete()
    Identification.objects.all().delete()
    MissingPersonReport.objects.all().delete()
