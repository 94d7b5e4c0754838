"""The Redis backend: state shared by several server processes on one Redis, one module per
aggregate (see server/storage/stores.py), every key under the prefix `ilp:`; identity keys in
key names are standard base64. The atomic steps are Lua scripts (`scripts.py`): one Redis (or
Sentinel), not Cluster. Durable data needs the append-only file on (docs/decisions.md)."""

from __future__ import annotations

from server.storage.redis.alerts import RedisAlerts
from server.storage.redis.audit import RedisAudit
from server.storage.redis.cases import RedisCases
from server.storage.redis.changes import RedisChanges
from server.storage.redis.claims import RedisClaims
from server.storage.redis.connection import Connection
from server.storage.redis.duty import RedisDuty
from server.storage.redis.flags import RedisFlags
from server.storage.redis.identities import RedisIdentities
from server.storage.redis.inbox import RedisInbox
from server.storage.redis.keydir import RedisKeyDirectory
from server.storage.redis.rooms import RedisRooms
from server.storage.redis.sanctions import RedisSanctions
from server.storage.redis.server_keys import RedisServerKeys
from server.storage.stores import Stores


def open_redis(url: str) -> Stores:
    """Every store on the Redis at `url` (connected on first use, with bounded backoff)."""
    conn = Connection.open(url)
    return Stores(identities=RedisIdentities(conn), keys=RedisKeyDirectory(conn),
                  rooms=RedisRooms(conn), inbox=RedisInbox(conn), claims=RedisClaims(conn),
                  server_keys=RedisServerKeys(conn), flags=RedisFlags(conn),
                  alerts=RedisAlerts(conn), duty=RedisDuty(conn),
                  sanctions=RedisSanctions(conn), audit=RedisAudit(conn),
                  cases=RedisCases(conn), closer=conn.close, backend="redis",
                  changes=RedisChanges(conn))
