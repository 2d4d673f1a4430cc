import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_it_answers_in_arabic_even_when_the_phone_asks_for_english():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert b'lang="ar"' in response.content and b'dir="rtl"' in response.content


def test_it_answers_in_english_once_the_family_chooses_it():
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ar")
    assert b'lang="en"' in response.content and b'dir="ltr"' in response.content
