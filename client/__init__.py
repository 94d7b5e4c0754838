"""Iltapiiri client."""
