"""An applicant's situation in the categories the programme documents use, and how an answer
names it.

The documents sort applicants three ways: EEA and non-EEA citizens (fees and deadlines),
non-EEA citizens living in Belgium with a valid residence permit (deadlines), and students with
or without a Flemish degree (admission procedure). ``assistant.understanding.applicant`` reads the situation
from a question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from assistant.phrases import SITUATION
from assistant.understanding.countries import COUNTRY_BY_NAME

Category = Literal["EEA", "non-EEA", "non-EEA living in Belgium with a valid residence permit"]

EEA: Final = "EEA"
NON_EEA: Final = "non-EEA"
NON_EEA_RESIDENT: Final = "non-EEA living in Belgium with a valid residence permit"


@dataclass(frozen=True)
class ApplicantSituation:
    """What a question tells about the person asking, in the documents' own categories.

    ``eea`` is None when the citizenship is unknown; ``flemish_degree`` is None when the
    question says nothing about where the previous degree comes from.
    """

    country: str | None  # English short name: "India", "Netherlands", "United States"
    eea: bool | None
    resident_in_belgium: bool
    flemish_degree: bool | None

    @property
    def category(self) -> Category | None:
        """The deadline and fee category; an EEA citizen living in Belgium is still "EEA"."""
        if self.eea is None:
            return None
        if self.eea:
            return EEA
        return NON_EEA_RESIDENT if self.resident_in_belgium else NON_EEA

    def describe(self, language: str = "en") -> str:
        """A short clause naming the category, for an answer to open with; "" when unknown."""
        category = self.category
        if category is None:
            if self.flemish_degree is None:
                return ""
            degree = "flemish_degree" if self.flemish_degree else "international_degree"
            return SITUATION(language, degree)
        country = COUNTRY_BY_NAME.get(self.country) if self.country else None
        if country is not None:
            name = country.dutch_name if language == "nl" else country.name
            subject = SITUATION(language, "citizen_of", country=name)
        else:
            subject = SITUATION(language, "eea_citizen" if self.eea else "non_eea_citizen")
        return SITUATION(language, _CATEGORY_PHRASES[category], subject=subject)


# The phrase of data/phrases.yaml (section situation) that names each category.
_CATEGORY_PHRASES: dict[Category, str] = {
    EEA: "eea",
    NON_EEA: "non_eea",
    NON_EEA_RESIDENT: "non_eea_resident",
}


def category_terms(situation: ApplicantSituation | None) -> tuple[str, ...]:
    """The documents' phrases for the situation, so the answer can pick matching sentences."""
    if situation is None:
        return ()
    terms: list[str] = []
    category = situation.category
    if category == EEA:
        terms.append("EEA")
    elif category is not None:
        terms.append("non-EEA")
        if category == NON_EEA_RESIDENT:
            terms.append("residence permit")
    if situation.flemish_degree is True:
        terms.append("Flemish Degree")
    elif situation.flemish_degree is False:
        terms.append("international students")
    return tuple(terms)
