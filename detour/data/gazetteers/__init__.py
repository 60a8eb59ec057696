"""Gazetteers for claim extraction (data files only; loaded by ``detour.extract.gazetteer``)."""
