"""Iltapiiri config."""
