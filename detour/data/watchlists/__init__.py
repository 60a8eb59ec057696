"""Watch-lists of HS codes, one YAML per list, loaded by ``detour.detectors.watchlist``."""
