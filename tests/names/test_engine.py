"""The name-matching engine: Syrian names in both scripts, compounds, particles, phonetic keys, reasons."""

import hashlib

import pytest
from django.utils import translation

from dalil.names import learned
from dalil.names.compare import compare_names, part_score
from dalil.names.gallery import Gallery
from dalil.names.parts import Part, split_name
from dalil.names.phonetic import latin_key, latin_skeleton
from dalil.names.script import arabic_plain, latin_plain
from tests.conftest import corpus


def score(a: str, b: str) -> float:
    return compare_names(split_name(a), split_name(b)).score


@pytest.mark.parametrize("latin", ["Mohammad", "Muhammad", "Mohamed", "Mhd", "Mouhammad", "Mohammed"])
def test_it_matches_the_spellings_of_mohammad_with_the_arabic(latin):
    assert part_score(Part(latin), Part("محمد")) >= 95


@pytest.mark.parametrize("latin", ["Abdulrahman", "Abd al-Rahman", "Abdelrahman", "Abdul Rahman", "Abd Al Rahman"])
def test_it_keeps_abd_al_rahman_one_part_however_it_is_written(latin):
    parts = split_name(latin)
    assert len(parts) == 1
    assert part_score(parts[0], split_name("عبد الرحمن")[0]) >= 90


@pytest.mark.parametrize("latin", ["al-Halabi", "Alhalabi", "El Halaby", "Halabi", "Al Halabi"])
def test_it_sets_the_article_aside_in_family_names(latin):
    parts = split_name(latin)
    assert len(parts) == 1
    assert part_score(parts[0], Part("الحلبي")) >= 90


def test_it_drops_bin_and_keeps_abu_with_its_name():
    assert [p.text for p in split_name("Khaled bin Walid")] == ["Khaled", "Walid"]
    assert len(split_name("أبو بكر الحلبي")) == 2
    assert len(split_name("Abu Bakr Halabi")) == 2


def test_it_folds_syrian_vowels_in_latin_keys():
    assert latin_key("Omar") == latin_key("Umar")
    assert latin_key("Khaled") == latin_key("Khalid")
    assert latin_key("Hassan") == latin_key("Hasan")
    assert latin_key("Youssef") == latin_key("Yousef")
    assert latin_key("Hamzah") == latin_key("Hamza")
    assert latin_skeleton("Ahmed") == latin_skeleton("Ahmad")


def test_it_tells_two_common_names_apart_even_when_their_letters_are_close():
    assert part_score(Part("Mahmoud"), Part("محمد")) < 70
    assert part_score(Part("محمود"), Part("محمد")) < 70
    assert part_score(Part("Hasan"), Part("Hussein")) < 70


@pytest.mark.parametrize("query, record", [
    ("Mohammad Abd al-Rahman Al-Halabi", "محمد عبد الرحمن الحلبي"),
    ("Mhd Abdulrahman Halaby", "محمد عبد الرحمن الحلبي"),
    ("Fatmeh Zoubi", "فاطمة الزعبي"),
    ("Khaled Al-Homsi", "خالد محمود الحمصي"),
    ("يوسف الخطيب", "Youssef Ahmad El Khateeb"),
    ("محمد الحلبي", "Mohamed Khaled Alhalabi"),
])
def test_it_matches_syrian_full_names_across_scripts_with_parts_missing(query, record):
    assert score(query, record) >= 85


def test_it_finds_parts_in_another_order_at_a_small_cost():
    in_order, reordered = score("Mohammad Halabi", "محمد الحلبي"), score("Halabi Mohammad", "محمد الحلبي")
    assert 80 <= reordered < in_order


def test_it_scores_a_different_person_low():
    assert score("Mahmoud Khatib", "محمد الحلبي") < 50


def test_it_gives_reasons_in_the_readers_language():
    match = compare_names(split_name("Mohammad Halabi"), split_name("محمد", "first") + split_name("الحلبي", "family"))
    with translation.override("en"):
        assert match.sentences[0] == "first name: Mohammad ~ محمد"
        assert match.sentences[1] == "family name: Halabi ~ الحلبي"
    with translation.override("ar"):
        assert "Mohammad ~ محمد" in match.sentences[0] and "first name" not in match.sentences[0]


def test_it_finds_a_name_in_a_gallery_of_the_other_script():
    gallery = Gallery(["Samer", "Mazen", "Rami", "Khaled", "Halabi", "Homsi"])
    assert gallery.names_at(gallery.search("مازن", 1)) == ["Mazen"]
    assert gallery.names_at(gallery.search("الحمصي", 1)) == ["Homsi"]


@pytest.mark.corpus
def test_it_was_learned_from_the_train_split_it_names():
    train = corpus("names") / "ar2en-train.txt"
    assert learned.SOURCE["file"] == "ar2en-train.txt"
    assert learned.SOURCE["sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()


@pytest.mark.corpus
def test_it_finds_real_corpus_pairs_across_scripts_in_both_directions():
    """300 eval pairs (never trained on): each name among the first 10 of the other script's 300 names."""
    lines = (corpus("names") / "ar2en-eval.txt").read_text(encoding="utf-8").splitlines()[::4][:300]
    pairs = [(arabic_plain(a), latin_plain(b)) for a, _t, b in (line.partition("\t") for line in lines)]
    arabic, latin = [a for a, _ in pairs], [b for _, b in pairs]
    to_latin, to_arabic = Gallery(latin), Gallery(arabic)
    found_latin = sum(b in to_latin.names_at(to_latin.search(a, 10)) for a, b in pairs)
    found_arabic = sum(a in to_arabic.names_at(to_arabic.search(b, 10)) for a, b in pairs)
    assert found_latin >= 0.95 * len(pairs)
    assert found_arabic >= 0.95 * len(pairs)
