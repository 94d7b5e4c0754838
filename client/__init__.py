"""Iltapiiri Python client: an asyncio API over the relay, with end-to-end encryption.

::

    peer = await PeerClient.connect(url, pseudonym=None, keystore=None)
    group = await peer.join_group("open")
    await group.send("hei")
    msg = await group.next_message(timeout=10)     # msg.text, msg.sender, msg.sent_at
    dm = await peer.open_direct("Some Name 12")     # same send / next_message
    await peer.close()

    staff = await StaffClient.login(url, username, password, totp=None)   # moderators
    await staff.go_on_duty(); alert = await staff.next_alert(timeout=10)

``python -m client`` is a small terminal chat on top of it.
"""

from client.chats import DirectChat, Group
from client.errors import ClientError, ProtocolViolation, RoomClosedError, TransportError
from client.messages import Message, MessageTimeout
from client.peer import PeerClient
from client.reports import ModReport
from client.staff import StaffClient

__all__ = [
    "ClientError",
    "DirectChat",
    "Group",
    "Message",
    "MessageTimeout",
    "ModReport",
    "PeerClient",
    "ProtocolViolation",
    "RoomClosedError",
    "StaffClient",
    "TransportError",
]
