"""read_article refuses input the rules cannot handle, naming the file and saying what to do."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from detour.errors import ExtractError
from detour.extract import read_article

ENGLISH = "Serbian companies are supplying Ukraine with shells, the agency said on Thursday.\n"


def test_reads_an_english_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ENGLISH, encoding="utf-8")
    assert read_article(str(path)) == ENGLISH


def test_strips_a_utf8_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + ENGLISH.encode())
    assert read_article(str(path)) == ENGLISH


@pytest.mark.parametrize("content", ["", "   \n\t\n"])
def test_empty_or_whitespace(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ExtractError, match=r"empty.txt: empty"):
        read_article(str(path))


def test_binary_with_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.7\n\x00\x01\x02 stream")
    with pytest.raises(ExtractError, match=r"doc.pdf: binary file") as err:
        read_article(str(path))
    assert "hint" in str(err.value)


def test_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"Serbian shells reached Ukraine via Bulgaria, the agency said. Beograd " + b"\xe9\xff")
    with pytest.raises(ExtractError, match=r"latin1.txt: not UTF-8"):
        read_article(str(path))


def test_over_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(ENGLISH * 100, encoding="utf-8")
    with pytest.raises(ExtractError, match=r"big.txt: .*over the 1000-byte limit"):
        read_article(str(path), max_bytes=1000)


def test_size_limit_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETOUR_MAX_TEXT_BYTES", "50")
    path = tmp_path / "a.txt"
    path.write_text(ENGLISH, encoding="utf-8")
    with pytest.raises(ExtractError, match="50-byte limit"):
        read_article(str(path))


@pytest.mark.parametrize(
    "text",
    [
        "Srpske kompanije tajno snabdevaju Ukrajinu delovima za teško naoružanje, tvrdi ruska služba.",
        "Сербские компании тайно поставляют Украине компоненты для тяжёлого вооружения.",
        "Die serbischen Firmen liefern angeblich Bauteile für schwere Waffen über Tschechien an die Ukraine.",
    ],
)
def test_not_english(tmp_path: Path, text: str) -> None:
    path = tmp_path / "foreign.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExtractError, match=r"foreign.txt: does not look like English"):
        read_article(str(path))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match=r"nope.txt: no such file"):
        read_article(str(tmp_path / "nope.txt"))


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ENGLISH.encode())))
    assert read_article("-") == ENGLISH


def test_stdin_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ENGLISH.encode() * 10)))
    with pytest.raises(ExtractError, match=r"<stdin>: more than the 100-byte limit"):
        read_article("-", max_bytes=100)


def test_sample_article_is_accepted() -> None:
    sample = Path(__file__).parents[2] / "detour" / "data" / "samples" / "article_serbia.txt"
    assert read_article(str(sample)).startswith("Published: ")
