"""Persistence: the declaration store (``catalog``) and the claims store (``claims``)."""

from detour.store.catalog import FileEntry, Store

__all__ = ["FileEntry", "Store"]
