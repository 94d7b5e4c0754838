"""Wiring: build the aiohttp application with python-socketio, the store, keys and scheduler.

State lives under typed `web.AppKey`s and is set up and torn down in `cleanup_ctx`; nothing is a
module-level singleton, so tests can run several apps in one process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from config.escalation import load_escalation_settings
from config.moderation_settings import load_moderation_settings
from config.settings import Settings
from escalation.policy import EscalationPolicy
from server.api.fanout import fast_path_supported, install, make_manager
from server.api.guard import GuardedServer
from server.api.http import make_routes
from server.api.redis_manager import RetryingRedisManager
from server.api.socket import SioAdapter, SioEmitter
from server.api.staff_http import add_staff_routes
from server.clock import Clock, Random, SystemClock, SystemRandom
from server.domain.sources import SourceRate, SourceTagger
from server.handlers import audit_log
from server.handlers.scheduler import Scheduler
from server.handlers.send_cache import SendCache
from server.handlers.services import Services
from server.handlers.staff import StaffService
from server.keyfile import check_outside, default_key_file
from server.keys import load_server_keys
from server.limits import MAX_FRAME_BYTES, SEND_BUFFER_LIMIT_BYTES, SLOW_CONSUMER_GRACE_SECONDS
from server.logs import EventLog
from server.metrics import Metrics
from server.staff_wiring import build_staff_service, open_staff_store
from server.storage.embedded import open_embedded
from server.storage.notifying import notifying
from server.storage.redis import open_redis
from server.storage.redis.rooms import ROOM_TTL_SECONDS, seq_keys
from server.storage.stores import Stores

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
SIO: web.AppKey[GuardedServer] = web.AppKey("sio", GuardedServer)
ADAPTER: web.AppKey[SioAdapter] = web.AppKey("adapter", SioAdapter)
SCHEDULER: web.AppKey[Scheduler] = web.AppKey("scheduler", Scheduler)
STAFF: web.AppKey[StaffService] = web.AppKey("staff", StaffService)


def open_stores(settings: Settings) -> Stores:
    """The Redis stores if `settings.redis_url` is set, else the embedded ones in the data dir."""
    if settings.redis_url:
        return open_redis(settings.redis_url)
    return open_embedded(settings.data_dir)


def make_app(settings: Settings, *, clock: Clock | None = None, rng: Random | None = None,
             run_scheduler: bool = True, fast_fanout: bool | None = None,
             escalation: EscalationPolicy | None = None) -> web.Application:
    """The whole service as an aiohttp application (not yet started). `fast_fanout`: the
    relay of server.api.fanout (default: on where the installed libraries are tested versions).
    `escalation`: the counsellor service's settings (default: config/escalation.toml)."""
    app = web.Application(client_max_size=MAX_FRAME_BYTES)
    fast = fast_path_supported() if fast_fanout is None else fast_fanout
    sio = GuardedServer(
        async_mode="aiohttp", transports=["websocket"],
        client_manager=make_manager(settings.redis_url, fast=fast, seq_keys=seq_keys,
                                    seq_ttl=ROOM_TTL_SECONDS),
        logger=False, engineio_logger=False, max_http_buffer_size=MAX_FRAME_BYTES,
        always_connect=True)
    if fast:
        install(sio, send_buffer_limit=SEND_BUFFER_LIMIT_BYTES,
                grace_seconds=SLOW_CONSUMER_GRACE_SECONDS)
    sio.attach(app)
    app[SIO] = sio
    app[ADAPTER] = SioAdapter(sio, lambda: app[SERVICES])
    add_staff_routes(app, lambda: app[STAFF],  # before make_routes' static catch-all
                     moderation_of=lambda: app[SERVICES].mod_settings)
    make_routes(lambda: app[SERVICES], app)
    the_clock = clock or SystemClock()
    the_rng = rng or SystemRandom()
    the_escalation = escalation or load_escalation_settings()

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        instance_id = the_rng.bytes(8).hex()
        opened = open_stores(settings)
        send_cache = SendCache(opened, the_clock, opened.changes, instance_id)
        stores = notifying(opened, send_cache.changed)
        staff_store = open_staff_store(settings)
        try:
            key_file = settings.key_file or default_key_file(settings.data_dir)
            if not settings.redis_url:
                check_outside(key_file, settings.data_dir)
            keys = await load_server_keys(stores.server_keys, the_rng, key_file)
            log = EventLog()
            app[STAFF] = build_staff_service(settings, staff_store, clock=the_clock,
                                             rng=the_rng, log=log)

            async def audit_signin(action: str, actor: str,
                                   details: dict[str, int | str]) -> object:
                return await audit_log.append(stores.audit, the_clock, actor=actor,
                                              action=action, details=details)

            app[STAFF].audit = audit_signin
            services = Services(settings=settings, stores=stores, clock=the_clock, rng=the_rng,
                          keys=keys, metrics=Metrics(), log=log, emitter=SioEmitter(sio),
                          instance_id=instance_id, staff_names=staff_store,
                          escalation=the_escalation,
                          mod_settings=load_moderation_settings(),
                          sources=SourceTagger(the_rng.bytes(32)),
                          signin_rate=SourceRate(settings.signin_per_minute,
                                                 settings.signin_burst))
            services.staff = app[STAFF]
            services.send_cache = send_cache
            listener = asyncio.create_task(send_cache.listen())
            if isinstance(sio.manager, RetryingRedisManager):  # its counters on /metrics
                services.metrics.fanout_redis = sio.manager.stats
            app[SERVICES] = services
            scheduler = Scheduler(services, live_sids=app[ADAPTER].live_sids,
                                  end_expired_staff=app[ADAPTER].end_expired_staff,
                                  live_moderators=app[ADAPTER].live_moderators)
            app[SCHEDULER] = scheduler
            task = asyncio.create_task(scheduler.run()) if run_scheduler else None
            services.log.info("started", backend="redis" if settings.redis_url else "embedded",
                              kind="fast-fanout" if fast else "stock-fanout")
            yield
            if task is not None:
                await scheduler.stop(task)
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            await stores.rooms.forget_owner(services.instance_id)
            await stores.identities.forget_owner(services.instance_id)
            await sio.shutdown()
        finally:
            await staff_store.close()
            await stores.close()

    async def drop_transports(app: web.Application) -> None:
        # aiohttp waits for open websocket handlers before cleanup runs, so close them here.
        # Abort the Engine.IO transports instead of sending a Socket.IO disconnect: clients
        # then see "transport close" and reconnect (to a restarted or another process), where a
        # server disconnect would tell them to stay away.
        for sock in list(sio.eio.sockets.values()):
            await sock.close(wait=False, abort=True)
            # Wake the socket's writer so it closes the websocket now rather than at its
            # poll timeout (ping interval + timeout, 45 s). `queue` is Engine.IO's own
            # outgoing queue; if a future version renames it, SHUTDOWN_TIMEOUT still applies.
            queue = getattr(sock, "queue", None)
            if queue is not None:
                await queue.put(None)

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(drop_transports)
    return app
