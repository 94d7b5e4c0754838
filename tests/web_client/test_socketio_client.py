"""web_client/js/socketio.js against the real relay (python-socketio), plus its pure framing
logic against a scripted socket (the one place a fake stands in: no server sends pings on cue)."""

from __future__ import annotations

from tests.web_client.conftest import OpenPeer

CONNECT = """async ({timeoutMs}) => {
  const { SocketClient } = await import('/js/socketio.js');
  const s = new SocketClient({ ackTimeoutMs: timeoutMs || 10000 });
  await new Promise((resolve) => { s.on('connect', resolve); s.connect(); });
  window.__s = s;
  return s.sid !== null;
}"""


async def test_requests_acks_and_errors_against_the_relay(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, path="/away.html")
    page = peer.page
    assert await page.evaluate(CONNECT, {"timeoutMs": 1500})
    hello = await page.evaluate("window.__s.request('hello', {})")
    assert hello["ok"] is True and hello["protocol"] == 2
    assert len(hello["challenge"]) == 44  # 32 bytes, padded base64
    # ok:false rejects with the stable code and the human message.
    err = await page.evaluate("window.__s.request('groups.list', {}).then(() => null, (e) => e)")
    assert err["code"] == "not_authenticated" and isinstance(err["message"], str)
    err = await page.evaluate("window.__s.request('no.such.event', {}).then(() => null, (e) => e)")
    assert err["code"] == "bad_request"
    # The connection goes on after refusals.
    again = await page.evaluate("window.__s.request('hello', {})")
    assert again["challenge"] != hello["challenge"]
    # A closed client refuses at once and stays closed.
    err = await page.evaluate("""(async () => { window.__s.close();
        return window.__s.request('hello', {}).then(() => null, (e) => e); })()""")
    assert err["code"] == "offline"
    await peer.context.close()


async def test_reconnects_after_the_server_restarts_and_signs_in_again(server_process, open_peer: OpenPeer) -> None:
    server = server_process()
    peer = await open_peer(server.url)
    await peer.sign_in("Sitkeä")
    await peer.join_open_group()
    page = peer.page
    await server.astop()
    await page.wait_for_selector("#net-status:not([hidden])")
    await server.astart()
    # Backoff starts at 500 ms (+-50 %); after the restart the page signs in and rejoins alone.
    await page.wait_for_selector("#net-status[hidden]", state="attached", timeout=20000)
    auth = await page.evaluate("window.iltapiiri.session.auth")
    assert auth["pseudonym"] == "Sitkeä"
    rooms = await page.evaluate("[...window.iltapiiri.session.rooms.keys()]")
    assert rooms and rooms[0].startswith("open/")
    await peer.context.close()


FRAMING = """async () => {
  const { SocketClient, backoffDelay, parseSocketPacket } = await import('/js/socketio.js');
  const sockets = [];
  class ScriptedSocket {
    constructor(url) { this.url = url; this.sent = []; sockets.push(this); }
    send(text) { this.sent.push(text); }
    close() { if (!this.closed) { this.closed = true; setTimeout(() => this.onclose && this.onclose(), 0); } }
    serverSays(text) { this.onmessage({ data: text }); }
  }
  const s = new SocketClient({ url: 'ws://test/socket.io/?EIO=4&transport=websocket',
    WebSocketImpl: ScriptedSocket, backoffMinMs: 10, backoffMaxMs: 40, ackTimeoutMs: 200 });
  const events = [];
  s.on('connect', () => events.push('connect'));
  s.on('disconnect', (why) => events.push('disconnect:' + why));
  s.on('room.envelope', (d) => events.push('envelope:' + d.seq));
  s.connect();
  const ws = sockets[0];
  ws.serverSays('0{"sid":"e1","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}');
  const afterOpen = ws.sent.slice();
  ws.serverSays('40{"sid":"n1"}');
  ws.serverSays('2');
  const afterPing = ws.sent.slice();
  ws.serverSays('42["room.envelope",{"seq":7}]');
  const p = s.request('hello', {});
  const reqFrame = ws.sent[ws.sent.length - 1];
  const id = reqFrame.slice(2).match(/^\\d+/)[0];
  ws.serverSays('43' + id + '[{"ok":false,"error":"rate_limited","message":"slow down"}]');
  const rejected = await p.then(() => null, (e) => e);
  const p2 = s.request('hello', {});
  const id2 = ws.sent[ws.sent.length - 1].slice(2).match(/^\\d+/)[0];
  ws.serverSays('43' + id2 + '[{"ok":true,"x":1}]');
  const resolved = await p2;
  // A request nobody answers times out (ackTimeoutMs 200) instead of hanging.
  const timedOut = await s.request('silence', {}).then(() => null, (e) => e);
  // No ping within pingInterval + pingTimeout: the client gives up on this socket and reconnects.
  const p3 = s.request('hello', {}, { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 700));
  const dropped = await p3.then(() => null, (e) => e);
  const delays = [0, 1, 2, 3, 10].map((a) => backoffDelay(a,
    { backoffMinMs: 500, backoffMaxMs: 15000, jitter: 0.5 }, () => 0.5));
  const jittered = [0, 1].map((r) => backoffDelay(0, { backoffMinMs: 500, backoffMaxMs: 15000, jitter: 0.5 }, () => r));
  const ns = parseSocketPacket('2/admin,12["x",1]');
  // The relay says "41" to everyone when it restarts: that is a drop to come back from.
  const ws2 = sockets[sockets.length - 1];
  ws2.serverSays('0{"sid":"e2","upgrades":[],"pingInterval":25000,"pingTimeout":20000}');
  ws2.serverSays('40{"sid":"n2"}');
  const before41 = sockets.length;
  ws2.serverSays('41');
  await new Promise((r) => setTimeout(r, 100));
  const afterServerDisconnect = sockets.length - before41;
  s.close();
  return { afterOpen, afterPing, events, reqFrame, rejected, resolved, timedOut, dropped,
           reconnected: sockets.length > 1, url: sockets[0].url, delays, jittered, ns,
           afterServerDisconnect, lastEvents: events.slice(-2) };
}"""


async def test_framing_ping_acks_and_backoff(live_server, open_peer: OpenPeer) -> None:
    peer = await open_peer(live_server.url, path="/away.html")
    r = await peer.page.evaluate(FRAMING)
    assert r["afterOpen"] == ["40"]
    assert r["afterPing"][-1] == "3"
    assert r["events"][:2] == ["connect", "envelope:7"]
    assert "disconnect:transport_close" in r["events"]
    assert r["reqFrame"].startswith("42") and r["reqFrame"].endswith('["hello",{}]')
    assert r["rejected"] == {"code": "rate_limited", "message": "slow down"}
    assert r["resolved"] == {"ok": True, "x": 1}
    assert r["timedOut"] == {"code": "timeout", "message": "timeout"}
    assert r["dropped"]["code"] == "disconnected"
    assert r["reconnected"] is True
    assert r["delays"] == [500, 1000, 2000, 4000, 15000]
    assert r["jittered"] == [250, 750]
    assert r["ns"] == {"type": 2, "ackId": 12, "data": ["x", 1]}
    assert r["afterServerDisconnect"] == 1
    assert r["lastEvents"] == ["connect", "disconnect:server_disconnect"]
    await peer.context.close()
