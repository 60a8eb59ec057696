"""Claim extraction: English news text → :class:`detour.model.claim.Claim` values.

>>> from detour.extract import extract_claims
>>> [c.status for c in extract_claims("Belgrade denied supplying ammunition to Ukraine.")]
['denied']
"""

from detour.extract.claims import extract_claims
from detour.extract.reader import read_article

__all__ = ["extract_claims", "read_article"]
