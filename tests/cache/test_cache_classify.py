from __future__ import annotations

import pytest

from discogsography.cache.classify import LibraryIndex, Thresholds, Verdict
from discogsography.cache.matching import ArtistMatcher

LIBRARY = [
    ("Beatles, The", "Abbey Road"),
    ("Beatles, The", "Revolver"),
    ("Bjork", "Homogenic"),
    ("Simon and Garfunkel", "Bookends"),
    ("Various Artists - Rock", "Nuggets"),
    ("Soundtrack", "Pulp Fiction"),
]


@pytest.fixture(scope="module")
def index() -> LibraryIndex:
    return LibraryIndex(LIBRARY)


def test_exact_normalized_pair_is_keep(index: LibraryIndex) -> None:
    result = index.classify(["The Beatles"], "Abbey Road (Remastered)")
    assert result.verdict is Verdict.KEEP
    assert result.score == 100.0
    assert index.classify(["Björk"], "HOMOGENIC").verdict is Verdict.KEEP
    assert index.classify(["Simon & Garfunkel"], "Bookends").verdict is Verdict.KEEP


def test_misspelled_title_of_a_library_album_is_keep(index: LibraryIndex) -> None:
    result = index.classify(["The Beatles"], "Abbey Raod")
    assert result.verdict is Verdict.KEEP
    assert result.matched_title == "abbey road"
    assert 85 <= result.score < 100


def test_library_artists_other_album_is_prune(index: LibraryIndex) -> None:
    assert index.classify(["The Beatles"], "Let It Be").verdict is Verdict.PRUNE


def test_halfway_title_is_review(index: LibraryIndex) -> None:
    result = index.classify(["The Beatles"], "Abbey Raod Demo")
    assert result.verdict is Verdict.REVIEW, result
    # a library title inside the Discogs title, at word boundaries, counts as the library's
    assert index.classify(["The Beatles"], "Abbey Road Demos").verdict is Verdict.KEEP


def test_misspelled_artist_is_matched_fuzzily(index: LibraryIndex) -> None:
    result = index.classify(["Beatels"], "Revolver")
    assert result.verdict in {Verdict.KEEP, Verdict.REVIEW}
    assert result.matched_artist == "beatles"
    assert index.classify(["Nobody Known"], "Revolver").verdict is Verdict.PRUNE


def test_several_artists_take_the_best_class(index: LibraryIndex) -> None:
    assert index.classify(["Someone Else", "Björk"], "Homogenic").verdict is Verdict.KEEP
    assert index.classify(["Someone Else"], "Homogenic").verdict is Verdict.PRUNE


def test_compilations_match_on_title(index: LibraryIndex) -> None:
    assert index.classify(["Various"], "Nuggets").verdict is Verdict.KEEP
    assert index.classify(["Various"], "Pulp Fiction (Music From The Motion Picture)").verdict is Verdict.KEEP
    assert index.classify(["Various"], "Totally Different Hits").verdict is Verdict.PRUNE
    assert index.classify([], "Nuggets").verdict is Verdict.KEEP


def test_missing_title_is_prune(index: LibraryIndex) -> None:
    assert index.classify(["The Beatles"], None).verdict is Verdict.PRUNE


def test_thresholds_are_configurable() -> None:
    strict = LibraryIndex(LIBRARY, Thresholds(keep=100, review=99))
    assert strict.classify(["The Beatles"], "Abbey Raod").verdict is Verdict.PRUNE
    assert strict.classify(["The Beatles"], "Abbey Road").verdict is Verdict.KEEP
    loose = LibraryIndex(LIBRARY, Thresholds(keep=50, review=10))
    assert loose.classify(["The Beatles"], "Abbey Raod Demo").verdict is Verdict.KEEP


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="review <= keep"):
        Thresholds(keep=50, review=60)
    assert Thresholds().verdict(85) is Verdict.KEEP
    assert Thresholds().verdict(64.9) is Verdict.PRUNE


def test_artist_matcher() -> None:
    matcher = ArtistMatcher(["Beatles, The", "Bjork", "Various Artists", "  ", "Nirvana"])
    assert len(matcher) == 3  # compilation and blank names are not artists
    assert matcher.matches_name("The Beatles")
    assert matcher.matches_name("Björk")
    assert matcher.matches_name("Nirvana (2)")
    assert not matcher.matches_name("Various")
    assert matcher.matches_any([None, "Someone", "BJORK"])
    assert not matcher.matches_any([None, "Someone"])
