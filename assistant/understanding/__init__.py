"""Understanding a message: what it asks (``intents``, by the patterns of ``data/intents.yaml``),
about which programme (``programmes``), who asks (``applicant`` with ``cues``, ``countries`` and
``situation``), in which language (``language``), read into one ``Query`` (``query``) with the
conversation so far; ``words`` holds the tokens and stems all of them share."""

from __future__ import annotations

from assistant.understanding.applicant import ApplicantSituation, detect_situation
from assistant.understanding.language import detect_language, served_languages_note
from assistant.understanding.programmes import ProgrammeNames, detect_programmes
from assistant.understanding.query import Query, understand

__all__ = [
    "ApplicantSituation",
    "ProgrammeNames",
    "Query",
    "detect_language",
    "detect_programmes",
    "detect_situation",
    "served_languages_note",
    "understand",
]
