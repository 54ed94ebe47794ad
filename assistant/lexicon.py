"""The shared word lists (assistant/data/lexicon.toml), loaded once: districts, stopwords, domain words."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Lexicon:
    districts: tuple[str, ...]
    home_places: frozenset[str]
    domain_words: tuple[str, ...]
    stopwords: frozenset[str]
    person_titles: tuple[str, ...]
    surnames: frozenset[str]
    english_probes: tuple[str, ...] = ()
    city_level: tuple[str, ...] = ()
    former_districts: tuple[str, ...] = ()
    elsewhere_words: tuple[str, ...] = ()

    @property
    def home_units(self) -> frozenset[str]:
        """The city's own units, today's and former: an article's district outside them is another city."""
        return frozenset(self.districts + self.former_districts)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    raw = tomllib.loads(resources.files("assistant").joinpath("data/lexicon.toml").read_text(encoding="utf-8"))
    return Lexicon(
        districts=tuple(raw["districts"]),
        home_places=frozenset(raw["home_places"]),
        domain_words=tuple(raw["domain_words"]),
        stopwords=frozenset(raw["stopwords"].split()),
        person_titles=tuple(sorted(raw["person_titles"], key=len, reverse=True)),
        surnames=frozenset(raw["surnames"].split()),
        english_probes=tuple(raw.get("english_probes", "").split()),
        city_level=tuple(raw.get("city_level", ())),
        former_districts=tuple(raw.get("former_districts", ())),
        elsewhere_words=tuple(raw.get("elsewhere_words", ())),
    )
