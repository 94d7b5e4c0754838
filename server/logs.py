"""Structured JSON log lines that carry ids only.

Every line is one JSON object: `{"ts", "level", "event", ...ids}`. Allowed fields are a fixed
set of ids and counters (`ALLOWED_FIELDS`); anything else passed in is dropped, so a careless
call cannot leak a pseudonym, text, key or address into the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Final

LOGGER_NAME: Final = "iltapiiri"
ALLOWED_FIELDS: Final = frozenset({
    "user_id", "room", "group_id", "code", "kind", "seq", "epoch", "size", "count", "state",
    "backend", "port", "members", "role", "reason", "status", "method", "path", "ms",
})


# IPv4, and IPv6 with a `::` or eight groups (ids and timestamps have neither).
ADDRESS_RE: Final = re.compile(
    r"(?<![0-9])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9])"
    r"|[0-9A-Fa-f]{0,4}::(?:[0-9A-Fa-f]{0,4}:?)*[0-9A-Fa-f]{0,4}"
    r"|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}")
# Library loggers that can carry a peer address, or a payload in a traceback.
LIBRARY_LOGGERS: Final = {
    "aiohttp.access": logging.CRITICAL,  # the access log line starts with the address
    "aiohttp.server": logging.ERROR, "aiohttp.web": logging.ERROR,
    "aiohttp.websocket": logging.ERROR, "aiohttp.client": logging.ERROR,
    "engineio": logging.ERROR, "engineio.server": logging.ERROR,
    "socketio": logging.ERROR, "socketio.server": logging.ERROR,
    "redis": logging.WARNING, "asyncio": logging.WARNING,
}


class AddressFilter(logging.Filter):
    """Replace anything address-shaped in a record's message, and drop its traceback (which
    could hold payload values): `Error handling request from 127.0.0.1` keeps its event and
    loses the address."""

    def filter(self, record: logging.LogRecord) -> bool:
        """See logging.Filter (never drops a record, only scrubs it)."""
        message = record.getMessage()
        scrubbed = ADDRESS_RE.sub("<address>", message)
        if scrubbed != message or record.args:
            record.msg, record.args = scrubbed, None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


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
    handler.addFilter(AddressFilter())  # on the handler: it sees every library's records too
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Our own HTTP log line (server.http) replaces the access log; engineio/socketio print
    # payloads and session ids below ERROR.
    for name, library_level in LIBRARY_LOGGERS.items():
        logging.getLogger(name).setLevel(library_level)
