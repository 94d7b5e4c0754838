"""`python -m server`: start the relay (embedded store unless REDIS_URL is set).
`python -m server admin ...`: staff accounts (server/admin/cli.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from aiohttp import web

from config.settings import load_settings
from server.app import make_app
from server.limits import SHUTDOWN_TIMEOUT_SECONDS
from server.logs import configure_logging


def main(argv: list[str] | None = None) -> None:
    """Parse flags, build the app and serve until interrupted (or run an admin command)."""
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["admin"]:
        from server.admin.cli import main as admin_main

        sys.exit(admin_main(args_in[1:]))
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    parser.add_argument("--host", default=None, help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="listen port (default 8080)")
    parser.add_argument("--config", type=Path, default=None, help="settings TOML file")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="directory of the embedded store (default ./data)")
    parser.add_argument("--key-file", type=Path, default=None,
                        help="the server's key file, outside the data directory (default "
                             "<data-dir>-server.key, or ILTAPIIRI_KEY_FILE); every process of a "
                             "deployment uses the same")
    parser.add_argument("--stock-fanout", action="store_true",
                        help="python-socketio's own fan-out instead of server.api.fanout (to compare)")
    args = parser.parse_args(args_in)
    configure_logging()
    settings = load_settings(args.config)
    changes: dict[str, object] = {"redis_url": os.environ.get("REDIS_URL") or None}
    if args.host is not None:
        changes["host"] = args.host
    if args.port is not None:
        changes["port"] = args.port
    if args.data_dir is not None:
        changes["data_dir"] = args.data_dir
    key_file = args.key_file or os.environ.get("ILTAPIIRI_KEY_FILE")
    if key_file:
        changes["key_file"] = Path(key_file)
    settings = settings.with_overrides(**changes)
    app = make_app(settings, fast_fanout=False if args.stock_fanout else None)
    shown_host = settings.host if settings.host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104
    url = f"http://{shown_host}:{settings.port}/"
    web.run_app(app, host=settings.host, port=settings.port, access_log=None,
                print=lambda _: print(f"Iltapiiri is running: {url}", flush=True),
                handle_signals=True, shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
                loop=new_event_loop())


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop where it is installed, else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


if __name__ == "__main__":
    main()
