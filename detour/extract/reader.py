"""Reading an article for extraction, refusing input the rules cannot handle.

Refused, with an :class:`~detour.errors.ExtractError` naming the file:

- files over the size limit (``DETOUR_MAX_TEXT_BYTES``, 2 MB by default): news articles are
  a few kilobytes; anything larger is a dump or the wrong file;
- binary files: a NUL byte, or bytes that are not UTF-8;
- empty or whitespace-only text;
- text that is not English (see :func:`looks_english`).

>>> looks_english("Serbian companies are supplying Ukraine with shells, the agency said.")
True
>>> looks_english("Srpske kompanije tajno snabdevaju Ukrajinu delovima za teško naoružanje.")
False
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

from detour import settings
from detour.errors import ExtractError

# The most frequent English function words. Running English prose has 35-50% of its words in
# this list; other Latin-script languages (Serbian, Czech, German, French) stay under 10%,
# because their function words differ. 15% leaves room for headlines and lists of names.
_STOP = frozenset(
    """
a about after against all also an and are as at be been before but by can could did do does for from had has
have he her his how i if in into is it its may more most no not of on or our out over said says she should
since so some such than that the their them then there these they this those through to under up was we were
what when where which while who will with would you
""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
MIN_RATIO = 0.15
MIN_WORDS = 8  # fewer words than this are too few to judge by ratio


def looks_english(text: str) -> bool:
    """True when ``text`` is plausibly English.

    Two tests: most letters must be Latin (rules out Cyrillic, Greek, Arabic...), and for
    texts of ``MIN_WORDS`` or more, at least ``MIN_RATIO`` of the words must be common
    English function words. A stop-word ratio needs no model and is stable on short news
    paragraphs, where character n-gram detectors are not.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.8:
        return False
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return True
    return sum(1 for w in words if w in _STOP) / len(words) >= MIN_RATIO


def read_article(path_or_dash: str, max_bytes: int | None = None) -> str:
    """The text of a file, or of stdin for ``-``; raises ExtractError for unusable input."""
    limit = settings.max_text_bytes() if max_bytes is None else max_bytes
    name = "<stdin>" if path_or_dash == "-" else path_or_dash
    if path_or_dash == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        path = Path(path_or_dash)
        if not path.is_file():
            raise ExtractError(f"{name}: no such file", "check the path")
        if path.stat().st_size > limit:
            raise ExtractError(
                f"{name}: {path.stat().st_size} bytes is over the {limit}-byte limit",
                "split the file or raise DETOUR_MAX_TEXT_BYTES",
            )
        data = path.read_bytes()
    if len(data) > limit:
        raise ExtractError(
            f"{name}: more than the {limit}-byte limit", "split the input or raise DETOUR_MAX_TEXT_BYTES"
        )
    if b"\x00" in data:
        raise ExtractError(f"{name}: binary file (contains NUL bytes)", "extract the article text first")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"{name}: not UTF-8 text (byte {exc.start} cannot be decoded)",
            "convert the file to UTF-8, e.g. iconv -t UTF-8",
        ) from exc
    if not text.strip():
        raise ExtractError(
            f"{name}: empty (no text to extract claims from)", "pass a file with the article text"
        )
    if not looks_english(text):
        raise ExtractError(
            f"{name}: does not look like English text",
            "claim extraction rules are English only; translate the article first",
        )
    return text
