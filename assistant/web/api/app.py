"""``create_app``: the routers, error handlers, UI and middleware wired into one FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from assistant.config import Settings, get_settings
from assistant.conversation.assistant import Assistant
from assistant.database.saved_answers import SavedAnswers
from assistant.web.api.deps import AssistantProvider
from assistant.web.api.errors import install_error_handlers
from assistant.web.api.limits import BodyLimitMiddleware, RateLimitMiddleware, SlidingWindowLimiter
from assistant.web.api.openapi import openapi_with_limits
from assistant.web.api.routes import (
    chat,
    documents,
    feedback,
    health,
    openai,
    staff,
    staff_answers,
    static,
)
from assistant.web.api.routes.health import HealthMonitor
from assistant.web.api.security import StaffGateMiddleware
from assistant.web.feedback import FeedbackStore

# In this order in the OpenAPI document.
ROUTERS = (chat, openai, staff, staff_answers, feedback, health, documents, static)


def create_app(
    settings: Settings | None = None,
    assistant: Assistant | None = None,
    *,
    ui: bool = True,
) -> FastAPI:
    """The whole service: the API, the Gradio UI at /ui, the widget and its demo page.

    ``assistant`` defaults to ``get_assistant()``, resolved on the first request that needs it;
    ``ui=False`` leaves the Gradio app out (it is the slow part to import).
    """
    settings = settings or get_settings()
    app = FastAPI(
        title="Programme assistant",
        summary="Answers questions about university programmes from their documents, "
        "with citations.",
        version="0.1.0",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.assistant_provider = AssistantProvider(assistant)
    app.state.feedback_store = FeedbackStore(settings.database)
    app.state.saved_answers = SavedAnswers(settings.database)
    app.state.sign_in_limiter = SlidingWindowLimiter.for_sign_in(settings)
    app.state.health = HealthMonitor(app.state.assistant_provider, app.state.feedback_store)
    for routes in ROUTERS:
        app.include_router(routes.router)
    app.openapi = openapi_with_limits(app, settings)  # type: ignore[method-assign]
    install_error_handlers(app)

    if ui:
        from assistant.web.mount import mount_ui

        mount_ui(app, app.state.assistant_provider, settings, app.state.feedback_store)

    # Added innermost first: CORS wraps everything so even a 413 or 429 reaches the widget.
    if settings.rate_limit_per_minute > 0:
        app.state.rate_limiter = SlidingWindowLimiter.from_settings(settings)
        app.add_middleware(RateLimitMiddleware, limiter=app.state.rate_limiter)
    app.add_middleware(StaffGateMiddleware, settings=settings)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_s=settings.body_timeout_s,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PATCH"],
        allow_headers=["Content-Type", "Authorization"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    return app
