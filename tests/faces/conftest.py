"""Personas and the real face backend for the face-search tests."""

import os

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dalil.faces import backend as backends
from dalil.faces.index import reset_shared_index
from dalil.lib.roles import Role, grant

PEOPLE = {"caseworker": "هالة", "reviewer": "عمر", "archivist": "رنا"}


def require_face_recognition():
    if backends.available():
        return
    message = "face_recognition is not installed (make setup installs it with pip --no-deps)"
    if os.environ.get("DALIL_REQUIRE_CORPORA") == "1":
        pytest.fail(message + " and DALIL_REQUIRE_CORPORA=1")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def fresh_index():
    reset_shared_index()  # database rows are rolled back between tests; the in-memory index must be too
    yield
    reset_shared_index()


@pytest.fixture
def staff():
    def make(role: str) -> Client:
        user = User.objects.create_user(f"faces-{role}", first_name=PEOPLE[role])
        grant(user, Role(role))
        client = Client()
        client.cookies["django_language"] = "en"
        client.force_login(user)
        return client

    return make
