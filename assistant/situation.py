"""An applicant's situation in the categories the programme documents use, and how an answer
names it.

The documents sort applicants three ways: EEA and non-EEA citizens (fees and deadlines),
non-EEA citizens living in Belgium with a valid residence permit (deadlines), and students with
or without a Flemish degree (admission procedure). ``assistant.applicant`` reads the situation
from a question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from assistant.countries import COUNTRY_BY_NAME

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
        dutch = language == "nl"
        if self.eea is None:
            return _describe_degree(self.flemish_degree, dutch)
        country = COUNTRY_BY_NAME.get(self.country) if self.country else None
        resident = not self.eea and self.resident_in_belgium
        if dutch:
            if country is not None:
                subject = f"Als staatsburger van {country.dutch_name}"
            else:
                subject = "Als EU/EER-burger" if self.eea else "Als niet-EER-burger"
            if resident:
                return (
                    f"{subject} met een Belgische verblijfsvergunning val je onder de "
                    "niet-EER-kandidaten met een geldige verblijfsvergunning"
                )
            group = "EER-kandidaten" if self.eea else "niet-EER-kandidaten"
            return f"{subject} val je onder de {group}"
        if country is not None:
            subject = f"As a citizen of {country.name}"
        else:
            subject = "As an EU/EEA citizen" if self.eea else "As a non-EEA citizen"
        if resident:
            return (
                f"{subject} living in Belgium with a residence permit, you count as a non-EEA "
                "applicant with a valid residence permit"
            )
        group = "an EEA applicant" if self.eea else "a non-EEA applicant"
        return f"{subject}, you count as {group}"


def _describe_degree(flemish_degree: bool | None, dutch: bool) -> str:
    if flemish_degree is None:
        return ""
    if dutch:
        if flemish_degree:
            return (
                "Met een Vlaams diploma volg je de toelatingsprocedure voor studenten met een "
                "Vlaams diploma"
            )
        return "Zonder Vlaams diploma volg je de toelatingsprocedure voor internationale studenten"
    if flemish_degree:
        return (
            "With a Flemish degree, you follow the admission procedure for students with a "
            "Flemish degree"
        )
    return "Without a Flemish degree, you follow the admission procedure for international students"


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
