"""Detour: find trade diversion and check allegations against mirror trade statistics."""

__version__ = "0.1.0"
