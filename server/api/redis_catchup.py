"""How the Redis fan-out catches up after its subscription was down (`RetryingRedisManager`).

A room channel subscribed again (the manager's own reconnect, or redis-py's silent one after a
dropped connection) missed what was published meanwhile. A group room's packets are numbered
and read back from its replay Stream (`server.api.redis_replay`), before anything live, and a
gap seen in the live numbers is read back the same way; beyond the window the room's local
members are told `room.resync`. A user's room is not numbered: its local connections are told
`inbox.resync`, and the 1:1 envelopes they missed wait in the inbox (docs/decisions.md). The
counsellors' staff rooms are not numbered either: their local connections are told
`cases.resync` and read the queue again (the cases are stored).
"""

from __future__ import annotations

from collections import Counter, deque
from typing import TYPE_CHECKING, Any

from server.api import redis_replay as replay


class CatchUp:
    """The manager's catching up (a mixin: the state is `RetryingRedisManager`'s)."""

    stats: Counter[str]
    _last: dict[str, int]
    _floor: dict[str, int]
    _rooms_of: dict[str, tuple[str, str]]
    _own: dict[str, deque[int]]
    _wanted: set[str]
    _own_prefix: bytes
    _echo_prefix: bytes

    if TYPE_CHECKING:  # the manager's (and python-socketio's), declared for mypy only
        def _on_subscribed(self, channel: str) -> None: ...
        def _publisher(self) -> Any: ...
        def _stream_keys(self, channel: str) -> tuple[str, str]: ...
        def _get_logger(self) -> Any: ...

    async def _subscribed(self, name: str) -> list[Any]:
        """Redis confirmed a room channel. Subscribed again (our reconnect, or redis-py's own
        after a dropped connection): what was published meanwhile goes first, before anything
        live: a group room's from its Stream, a user room's as `inbox.resync`, a staff room's
        (`cases:duty`, `cases:supervisors`) as `cases.resync`."""
        again = name in self._last or name in self._floor
        self._on_subscribed(name)
        if not again:
            return []
        if not replay.replayed(name):
            if name not in self._rooms_of:
                return []
            if replay.user_channel(name):
                self.stats["inbox_resyncs"] += 1
                return [replay.inbox_resync_message(*self._rooms_of[name])]
            if replay.case_channel(name):
                self.stats["cases_resyncs"] += 1
                return [replay.cases_resync_message(*self._rooms_of[name])]
            return []  # a sid's own channel: nothing there waits to be read again
        start = self._last.get(name, self._floor[name])
        return [out for missed in await self._replay(name, start)
                for out in self._accept(name, missed)]

    def _own_numbers(self, channels: list[Any], results: list[Any]) -> None:
        """Remember the transport numbers the publish script gave this process's own packets
        in rooms it is subscribed to, until they are seen back: a gap made only of them is no
        loss (the local members had them), so it tells nobody `room.resync`. At most a window
        of them per room; older ones forgotten count as lost (a `room.resync` for nothing).
        Envelopes numbered by `emit_numbered` are not among them (`channels` holds their
        `Sequenced` entry, not a channel): nobody here had them before they come back."""
        for channel, number in zip(channels, results, strict=False):
            if not isinstance(channel, str) or channel not in self._wanted \
                    or not isinstance(number, int):
                continue
            own = self._own.get(channel)
            if own is None:
                own = self._own[channel] = deque(maxlen=replay.REPLAY_WINDOW)
            own.append(number)
            seen = self._last.get(channel, self._floor.get(channel))
            while own and seen is not None and own[0] <= seen:
                own.popleft()

    def _accept(self, name: str, item: Any) -> list[Any]:
        """One numbered room packet (or a `room.resync` message): [] if seen before or our
        own, else what to pass on."""
        if isinstance(item, dict):
            return [item]
        number, packet = item
        last = self._last.get(name)
        if number is not None and last is not None and number <= last:
            self.stats["duplicates"] += 1
            return []
        if number is not None:
            self._last[name] = number
        if packet.startswith(self._own_prefix):
            self.stats["own_skipped"] += 1
            return []
        if self._echo_prefix and packet.startswith(self._echo_prefix):  # own, delivered from here
            self.stats["echoed"] += 1
        self.stats["room_decoded"] += 1
        return [packet]

    async def _replay(self, channel: str, start: int) -> list[Any]:
        """What a room channel missed after number `start`, from the room's Stream, as
        (number, packet) pairs (`_accept` drops duplicates and our own), preceded by a
        `room.resync` message when the gap is larger than the window."""
        try:
            lost, top, numbered = await replay.read_missed(
                self._publisher(), *self._stream_keys(channel), start,
                sorted(self._own.get(channel, ())))
        except Exception as exc:  # cannot tell what was missed: say so
            self._get_logger().error("fanout.replay_failed",
                                     extra={"fields": {"code": type(exc).__name__}})
            lost, top, numbered = True, 0, []
        out: list[Any] = []
        if lost:  # trimmed beyond the window (or expired, or unreadable)
            self.stats["resyncs"] += 1
            self._get_logger().warning("fanout.resync", extra={"fields": {"rooms": 1}})
            out.append(replay.resync_message(*self._rooms_of.get(channel, ("/", ""))))
        if not numbered:  # nothing left to read (or only own packets): go on from the counter
            self._last[channel] = max(self._last.get(channel, 0), top)
        self.stats["replayed"] += len(numbered)
        out.extend(numbered)
        return out
