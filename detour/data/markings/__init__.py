"""Marking ladders as data files: one YAML per ladder, loaded by ``detour.model.marking``."""
