"""Wiring of staff accounts: open the staff store of the configured backend, load the key file,
build the StaffService; and the audit store alone, for the admin command line's
`audit --verify` and the duty store for `list-staff`. Shared by the server (server/app.py) and the admin command line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from config.settings import Settings
from server.clock import Clock, Random
from server.handlers.staff import StaffService
from server.logs import EventLog
from server.storage.audit import AuditStore
from server.storage.duty import DutyStore
from server.storage.embedded.audit import EmbeddedAudit
from server.storage.embedded.duty import EmbeddedDuty
from server.storage.embedded.moderation_db import open_moderation_db
from server.storage.embedded.staff import EmbeddedStaffStore
from server.storage.redis.audit import RedisAudit
from server.storage.redis.connection import Connection
from server.storage.redis.duty import RedisDuty
from server.storage.redis.staff import RedisStaffStore
from server.storage.staff import StaffStore
from server.storage.staff_keyfile import default_key_path, load_or_create_key


def open_staff_store(settings: Settings) -> StaffStore:
    """Redis if `settings.redis_url` is set, else SQLite in the data dir."""
    if settings.redis_url:
        return RedisStaffStore(settings.redis_url)
    return EmbeddedStaffStore(settings.data_dir)


def build_staff_service(settings: Settings, store: StaffStore, *, clock: Clock, rng: Random,
                        log: EventLog) -> StaffService:
    """The service over `store`, sealing TOTP secrets with the key file (created if missing)."""
    key = load_or_create_key(default_key_path(settings.data_dir, settings.staff.key_file), rng)
    return StaffService(store=store, settings=settings.staff, seal_key=key, clock=clock,
                        rng=rng, log=log)


@asynccontextmanager
async def open_audit_store(settings: Settings) -> AsyncIterator[AuditStore]:
    """The audit store of the configured backend, alone, closed on leaving: the server uses
    `Stores.audit`; this is for the admin command line."""
    if settings.redis_url:
        conn = Connection.open(settings.redis_url)
        try:
            yield RedisAudit(conn)
        finally:
            await conn.close()
        return
    db = open_moderation_db(settings.data_dir)
    try:
        yield EmbeddedAudit(db)
    finally:
        db.close()


@asynccontextmanager
async def open_duty_store(settings: Settings) -> AsyncIterator[DutyStore]:
    """The duty store of the configured backend, alone, closed on leaving: for the admin
    command line's `list-staff` (who is on duty now)."""
    if settings.redis_url:
        conn = Connection.open(settings.redis_url)
        try:
            yield RedisDuty(conn)
        finally:
            await conn.close()
        return
    db = open_moderation_db(settings.data_dir)
    try:
        yield EmbeddedDuty(db)
    finally:
        db.close()
