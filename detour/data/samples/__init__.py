"""Sample articles written for Detour's demo and tests (data files only)."""
