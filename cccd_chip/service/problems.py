"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error answer has ``type`` (``urn:cccd:problem:<slug>``), ``title``,
``status`` and ``detail`` (one line, no personal data). The slugs are a closed
set, listed in docs/service.md.
"""

from __future__ import annotations

from typing import Any, Optional

PROBLEM_JSON = "application/problem+json"

TITLES = {
    "malformed-json": "Body is not valid JSON",
    "json-too-deep": "JSON nesting too deep",
    "invalid-dump": "Body is not a valid cccd-dump",
    "invalid-parameter": "Invalid query or path parameter",
    "unauthorized": "Missing or unknown API key",
    "forbidden": "API key lacks the scope",
    "not-found": "No such record",
    "payload-too-large": "Request body too large",
    "rate-limited": "Too many requests for this API key",
    "request-timeout": "Request body not received in time",
    "trust-material-rejected": "Trust material rejected",
    "timeout": "Verification did not finish in time",
    "unavailable": "Service temporarily unavailable",
    "internal": "Internal error",
}


class Problem(Exception):
    """Raise in a route: the app turns it into a problem+json answer."""

    def __init__(self, status: int, slug: str, detail: str, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(detail)
        self.status, self.slug, self.detail = status, slug, detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"type": f"urn:cccd:problem:{self.slug}", "title": TITLES.get(self.slug, self.slug),
                "status": self.status, "detail": self.detail}
