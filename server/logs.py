"""Structured JSON log lines that carry ids only.

Every line is one JSON object: `{"ts", "level", "event", ...ids}`. Allowed fields are a fixed
set of ids and counters (`ALLOWED_FIELDS`); anything else passed in is dropped, so a careless
call cannot leak a pseudonym, text, key or address into the log.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Final

LOGGER_NAME: Final = "iltapiiri"
ALLOWED_FIELDS: Final = frozenset({
    "user_id", "room", "group_id", "code", "kind", "seq", "epoch", "size", "count", "state",
    "backend", "port", "members", "role", "reason", "status", "method", "path", "ms",
})


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line (its `fields` extra, filtered)."""

    def format(self, record: logging.LogRecord) -> str:
        """See logging.Formatter."""
        line: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in fields.items() if k in ALLOWED_FIELDS})
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class EventLog:
    """A thin wrapper: `log.info("room.send", room=..., seq=...)`."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger(LOGGER_NAME)

    def __repr__(self) -> str:
        return "EventLog()"

    def info(self, event: str, **fields: object) -> None:
        """Log an event at INFO."""
        self._logger.info(event, extra={"fields": fields})

    def warning(self, event: str, **fields: object) -> None:
        """Log an event at WARNING."""
        self._logger.warning(event, extra={"fields": fields})

    def error(self, event: str, **fields: object) -> None:
        """Log an event at ERROR (never with a traceback: it could hold payload values)."""
        self._logger.error(event, extra={"fields": fields})


def configure_logging(level: int = logging.INFO) -> None:
    """Send the service's JSON lines to stderr; silence libraries that log addresses."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log prints the remote address by default; engineio/socketio may print
    # payloads at debug. Our own HTTP log line (server.http) replaces the access log.
    for name in ("aiohttp.access", "engineio", "socketio", "engineio.server", "socketio.server"):
        logging.getLogger(name).setLevel(logging.WARNING)
