"""The HTTP surface: ``create_app()`` with the chat, OpenAI-compatible, staff and feedback routes.

A conversation's history travels with every request; the only state a server keeps is in its
stores (feedback, staff sessions), so any number of servers can share them.

=====================  ==============================================================
module                 holds
=====================  ==============================================================
``app``                ``create_app``: wires everything below into one FastAPI app
``schemas``            request and response models, and answers turned into them
``deps``               dependencies: settings, the assistant, the feedback store, staff
``security``           staff sessions (server-side, by cookie) and the gate in front of /staff
``limits``             request body size and the per-client rate limit (middleware)
``errors``             our exceptions and refusals mapped to HTTP (and OpenAI's shape)
``openapi``            responses the routes declare in the OpenAPI document
``streaming``          Server-Sent Events shared by the two streaming routes
``routes/``            one router per resource: chat, openai, staff, feedback, health,
                       documents, static
=====================  ==============================================================
"""

from __future__ import annotations

from assistant.web.api.app import create_app
from assistant.web.api.limits import SlidingWindowLimiter
from assistant.web.api.schemas import MODEL_ID

__all__ = ["MODEL_ID", "SlidingWindowLimiter", "create_app"]
