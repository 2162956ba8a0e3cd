"""One router per resource; ``assistant.web.api.app`` includes them in a fixed order."""
