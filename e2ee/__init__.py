"""Iltapiiri e2ee."""
