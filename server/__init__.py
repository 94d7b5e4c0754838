"""Iltapiiri server."""
