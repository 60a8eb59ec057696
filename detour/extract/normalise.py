"""Spelling variants: accents, hyphens and apostrophes as news text varies them.

>>> fold("Vučić")
'Vucic'
>>> sorted(spellings("Zastava Oružje"))
['Zastava Oruzje', 'Zastava Oružje']
>>> sorted(hyphen_variants("re-exported"))
['re exported', 're-exported', 'reexported']
"""

from __future__ import annotations

import hashlib
import unicodedata

# Letters NFKD does not decompose, with their usual English transliteration.
_EXTRA = str.maketrans({"đ": "dj", "Đ": "Dj", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i"})


def fold(text: str) -> str:
    """``text`` without diacritics; idempotent."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def spellings(name: str) -> set[str]:
    """A name as written and without diacritics."""
    return {name, fold(name)}


def hyphen_variants(phrase: str) -> set[str]:
    """A hyphenated phrase as written, with a space and closed up."""
    if "-" not in phrase:
        return {phrase}
    return {phrase, phrase.replace("-", " "), phrase.replace("-", "")}


def normalise_quotes(text: str) -> str:
    """Curly apostrophes as straight ones, keeping the length so offsets stay valid.

    >>> normalise_quotes("Serbia’s")
    "Serbia's"
    """
    return text.replace("\u2019", "'").replace("\u2018", "'")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def clean_space(text: str) -> str:
    """Runs of whitespace (newlines included) as one space.

    >>> clean_space("  Serbian\\n  companies ")
    'Serbian companies'
    """
    return " ".join(text.split())
