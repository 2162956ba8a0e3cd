"""The states applicants come from: their names and their people's names in English, Dutch and
French, and whether their citizens count as EEA applicants, from ``data/countries.csv``.

``COUNTRY_WORDS`` maps each word naming a state or its people to the state and the kind of word
("India": name, "Indian": demonym, "Indians": people). Words are stored folded (``fold``: no accents, one apostrophe) and in
lower case, so a question is folded the same way before it is matched.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

import pycountry

from assistant.tables import Row, read_table


@dataclass(frozen=True)
class Country:
    """One state: how answers name it, and whether its citizens count as EEA applicants."""

    name: str  # English, with the article where English uses one: "the Netherlands"
    dutch_name: str
    eea: bool
    un_member: bool

    @property
    def short_name(self) -> str:
        return self.name.removeprefix("the ")


# Upper-case only, since the lower-case word is common ("tell us", Dutch "vs" for versus).
CASE_SENSITIVE_ALIASES = {"US": "the United States", "VS": "the United States"}


def fold(text: str) -> str:
    """Drop accents and unify apostrophes, so "België" matches "Belgie" and "I’m" "I'm"."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u00b4", "'")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _inflections(dutch_demonym: str) -> tuple[str, ...]:
    """A Dutch adjective and its inflected form: "Duits" -> "Duitse", "Indiaas" -> "Indiase"."""
    if dutch_demonym.endswith("sch"):
        return dutch_demonym, dutch_demonym + "e"
    if not dutch_demonym.endswith("s"):
        return (dutch_demonym,)  # a noun: "Belg", "Nederlander"
    if dutch_demonym.endswith(("aas", "ees")):
        return dutch_demonym, dutch_demonym[:-3] + dutch_demonym[-2] + "se"
    return dutch_demonym, dutch_demonym + "e"


CountryWord = Literal["name", "demonym", "people"]  # "people": a plural noun, "Indians"


_COUNTRY_COLUMNS = (
    "iso", "article", "name", "aliases", "demonyms", "dutch_names", "dutch_demonyms",
    "un_member", "membership", "french_names", "french_demonyms",
)  # fmt: skip


def _english_name(row: Row) -> str:
    """The row's name, else the ISO short name of its code; with "the " where English uses it."""
    name, iso = row["name"], row["iso"]
    if iso:
        record = pycountry.countries.get(alpha_3=iso)
        if record is None:
            raise row.error(f"iso {iso!r} is not an ISO 3166-1 alpha-3 code")
        name = name or getattr(record, "common_name", None) or record.name
    if not name:
        raise row.error("name is empty and there is no iso code to take it from")
    return f"the {name}" if row.choice("article", ("", "the")) else name


def _words_of(row: Row, name: str) -> dict[str, CountryWord]:
    """Every word naming the row's state or its people, the first reading of a word winning."""
    words: dict[str, CountryWord] = {}  # names before demonyms
    names = [name.removeprefix("the "), *_split(row["aliases"]), *_split(row["dutch_names"])]
    for word in [*names, *_split(row["french_names"])]:
        words.setdefault(word, "name")
    for word in _split(row["demonyms"]):
        words.setdefault(word, "demonym")
        if word.endswith("man"):
            words.setdefault(word[:-3] + "men", "people")
        elif not word.endswith(("s", "sh", "ch", "ese")):
            words.setdefault(word + "s", "people")
    for word in _split(row["dutch_demonyms"]):
        for form in _inflections(word):
            words.setdefault(form, "demonym")
    for word in _split(row["french_demonyms"]):  # every form is listed
        words.setdefault(word, "demonym")
    return words


def _load_countries() -> tuple[
    tuple[Country, ...], dict[str, tuple[Country, CountryWord]], frozenset[str], frozenset[str]
]:
    """Countries, the lexicon of words naming them, and the EU and EEA members by name."""
    countries: list[Country] = []
    lexicon: dict[str, tuple[Country, CountryWord]] = {}
    eu: set[str] = set()
    eea: set[str] = set()
    for row in read_table("countries.csv", _COUNTRY_COLUMNS):
        name = _english_name(row)
        if any(country.name == name for country in countries):
            raise row.error(f"{name} is listed twice")
        membership = row.choice("membership", ("", "EU", "EEA"))
        (eu if membership == "EU" else eea if membership == "EEA" else set()).add(name)
        dutch = _split(row["dutch_names"])
        country = Country(
            name=name,
            dutch_name=dutch[0] if dutch else name.removeprefix("the "),
            eea=bool(membership),
            un_member=row.choice("un_member", ("yes", "no")) == "yes",
        )
        countries.append(country)
        for word, kind in _words_of(row, name).items():
            lexicon.setdefault(fold(word).lower(), (country, kind))
    return tuple(countries), lexicon, frozenset(eu), frozenset(eu | eea)


# The European Economic Area is the 27 member states of the European Union plus Iceland,
# Liechtenstein and Norway; the table's membership column says which (and why Switzerland and the
# United Kingdom are not).
COUNTRIES, COUNTRY_WORDS, EU_MEMBERS, EEA_MEMBERS = _load_countries()
COUNTRY_BY_NAME = {name: c for c in COUNTRIES for name in (c.name, c.short_name)}
