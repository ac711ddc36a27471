from __future__ import annotations

import pytest

from discogsography.cache.normalize import artist_key, fold, is_compilation, strip_discogs_suffix, title_key


@pytest.mark.parametrize(
    ("library", "discogs"),
    [
        ("Beatles, The", "The Beatles"),
        ("Beatles", "The Beatles"),
        ("Simon and Garfunkel", "Simon & Garfunkel"),
        ("Bjork", "Björk"),
        ("BJÖRK", "björk"),
        ("Nirvana", "Nirvana (2)"),
        ("Trentemoller", "Trentemøller"),
        ("Milosc", "Miłość (2)"),
        ("Aether", "Æther"),
        ("ac dc", "AC/DC"),
        ("Sigur Ros", "Sigur Rós"),
        ("Motorhead", "Motörhead"),
        ("  Fats   Domino ", "Fats Domino"),
        ("Strasse", "Straße"),
        ("Los Lobos", "Lobos, Los"),
        ("A x B and C", "A x B & C"),
        ("Timo Maas feat. Kelis", "Timo Maas & Kelis"),
    ],
)
def test_library_spellings_share_a_key(library: str, discogs: str) -> None:
    assert artist_key(library) == artist_key(discogs)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The Beatles", "The Beat"),
        ("Nirvana", "Nirvana UK"),
        ("Simon", "Simon & Garfunkel"),
        ("Prince", "Princess"),
    ],
)
def test_different_artists_keep_different_keys(a: str, b: str) -> None:
    assert artist_key(a) != artist_key(b)


@pytest.mark.parametrize("name", ["X Ambassadors", "And Also The Trees", "With Confidence"])
def test_a_join_word_that_starts_a_name_stays_in_it(name: str) -> None:
    assert artist_key(name) == name.lower()


def test_fold_strips_accents_and_case() -> None:
    assert fold("Écarlate ÅNGSTRÖM") == "ecarlate angstrom"
    assert fold("ﬁve") == "five"  # compatibility ligature decomposed by NFKD


def test_discogs_suffix_only_at_the_end() -> None:
    assert strip_discogs_suffix("Chris Bigg (2)") == "Chris Bigg"
    assert strip_discogs_suffix("Area (2) Band") == "Area (2) Band"
    assert strip_discogs_suffix("Live (Remix)") == "Live (Remix)"


def test_non_latin_names_keep_their_letters() -> None:
    assert artist_key("Рок-Ателье") == "рок ателье"
    assert artist_key("sh (4)") == "sh"
    assert artist_key("深き森から") == "深き森から"
    assert artist_key("!!!") == ""


def test_title_key_drops_bracketed_qualifiers() -> None:
    assert title_key("Abbey Road (Remastered)") == title_key("abbey road")
    assert title_key("Rauta EP [Deluxe Edition]") == "rauta ep"
    assert title_key("(Untitled)") == "untitled"
    assert title_key("Sous Un Ciel Écarlate") == "sous un ciel ecarlate"
    assert title_key("Rock & Roll") == title_key("Rock and Roll")


@pytest.mark.parametrize(
    "name", ["Various", "Various Artists", "Various Artists - Rock", "Various: Jazz", "Soundtrack", "OST"]
)
def test_compilation_names_are_not_artists(name: str) -> None:
    assert is_compilation(name)


@pytest.mark.parametrize("name", ["The Various Rockers", "Soundtrack Of Our Lives, The", "Fats Domino"])
def test_real_artists_are_not_compilations(name: str) -> None:
    assert not is_compilation(name)
