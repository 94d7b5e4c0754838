// The Node socket.io baseline of bench/fanout_bench.py: websocket only, no compression;
// `group.join` puts the socket in the room named by group_id, `room.send` is emitted to
// everyone else in the room and acknowledged. Nothing else (no auth, validation or storage).
//   node bench/node_relay/relay.js PORT
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const port = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  if (req.url === "/healthz") { res.end("ok"); return; }
  res.statusCode = 404; res.end();
});
const io = new Server(server, { transports: ["websocket"], perMessageDeflate: false,
                                httpCompression: false, maxHttpBufferSize: 256 * 1024 });
io.on("connection", (socket) => {
  socket.on("group.join", (data, ack) => {
    socket.join(data.group_id);
    if (typeof ack === "function") ack({ ok: true, room: data.group_id });
  });
  socket.on("room.send", (data, ack) => {
    socket.to(data.room).emit("room.envelope", data);
    if (typeof ack === "function") ack({ ok: true });
  });
});
server.listen(port, "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
