"""Rules per feature; they call storage ports and import neither socketio nor aiohttp."""
