"""One exception tree. Every user-facing error says what was wrong and what to do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class DetourError(Exception):
    """Base of every error Detour raises on purpose; the CLI prints it without a traceback."""

    hint: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint or self.hint

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class ConfigError(DetourError):
    """A setting, option or mapping file is wrong."""


class StoreError(DetourError):
    """The store directory is missing, locked or inconsistent."""


@dataclass(frozen=True)
class RowProblem:
    """One bad input row: 1-based physical line in the file and the reason."""

    line: int
    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class InputError(DetourError):
    """A file cannot be ingested. Names the file, the first bad lines and the problem."""

    path: str
    problem: str
    rows: list[RowProblem] = field(default_factory=list)
    counts: Mapping[str, int] = field(default_factory=dict)
    hint: str = ""

    def __post_init__(self) -> None:
        Exception.__init__(self, self._message())

    def _message(self) -> str:
        head = f"{self.path}: {self.problem}"
        if self.rows:
            head += "".join(f"\n  line {r.line}: {r.reason}" + (f" ({r.detail})" if r.detail else "") for r in self.rows)
        if self.counts:
            head += "\n  counts by reason: " + ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return head

    def __str__(self) -> str:
        text = self._message()
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class FetchError(DetourError):
    """A remote API refused or failed a request after retries."""


class ExtractError(DetourError):
    """Text cannot be read for claims (empty, binary, too large, not English)."""


class AccessDenied(DetourError):
    """The acting user lacks the clearance or role for the requested material."""


class NotFound(DetourError):
    """A claim, alert, user or file asked for does not exist (or is not visible)."""
