"""One router per resource; ``assistant.api.app`` includes them in a fixed order."""
