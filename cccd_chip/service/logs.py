"""Structured logs: one JSON object per line on stderr, without personal data or credentials.

Only fields passed explicitly (``extra={"fields": {...}}``) and the message are
written; an exception is logged by its type name only (its text could carry data
from a request). What the service logs per request: method, route template,
status, duration, the API key's public ``key_id``, a request id, and for a
verification its record id and verdict. Never a body, a key, a report detail or
a query string.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "event": record.getMessage()
               if record.name.startswith("cccd") else _generic(record)}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
        return json.dumps(out, ensure_ascii=True, default=str)


def _generic(record: logging.LogRecord) -> str:
    """Third-party log lines (uvicorn) keep their template, not their arguments (which may hold peers' data)."""
    return str(record.msg)[:200]


def setup(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
