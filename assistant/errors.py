"""The assistant's own exceptions. Core code raises these; only ``assistant.web.api`` maps them to HTTP.

AssistantError
 ├── ConfigurationError      a setting is missing or invalid
 │    └── DataTableError     a table in assistant/data/ is malformed (file and line named)
 ├── CorpusError             the corpus folder cannot be read at all
 │    └── DocumentError      one document is broken or empty (ingest reports it and skips it)
 ├── StoreError              the vector store is missing, unreachable or broken
 │    ├── IndexNotReadyError no index has been built yet: run ingest
 │    └── IngestRunningError another ingest is writing the store: wait for it to finish
 ├── FeedbackStoreError      the feedback database cannot be read or written (answers still work)
 ├── InputError              a request the assistant cannot take (too long, empty, malformed)
 └── BackendError            the optional LLM backend failed or timed out (callers fall back)
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose."""


class ConfigurationError(AssistantError):
    pass


class DataTableError(ConfigurationError):
    """A shipped data table is malformed; the message names the file and line to fix."""

    def __init__(self, path: object, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path = str(path)
        self.line = line
        self.reason = reason


class CorpusError(AssistantError):
    pass


class DocumentError(CorpusError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreError(AssistantError):
    pass


class IndexNotReadyError(StoreError):
    pass


class IngestRunningError(StoreError):
    """Another process holds the ingest lock of this store."""


class FeedbackStoreError(AssistantError):
    """Votes cannot be stored or exported; the message names the cause, never the file."""


class InputError(AssistantError):
    pass


class NotFoundError(AssistantError):
    """What a request names does not exist (or no longer does)."""


class FeedbackNotFoundError(NotFoundError):
    """No stored vote has this id and key (a comment cannot be added to it)."""


class SavedAnswerNotFoundError(NotFoundError):
    """No saved answer of the admissions office has this id."""


class StaffAccountNotFoundError(NotFoundError):
    """No staff account has this name."""


class MessageTooLongError(InputError):
    """A message or an email longer than its limit: the caller must shorten it."""


class BackendError(AssistantError):
    pass
