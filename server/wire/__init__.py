"""Typed messages both ways: requests the clients send, pushes the server sends, error codes."""
