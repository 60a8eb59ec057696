"""Users and the audit trail: the tables every other store table hangs on.

Passwords are stored only as argon2id hashes (argon2-cffi defaults, re-hashed on login
when the parameters are raised). A user's clearance is a level on the store's marking
ladder; its rank is stored beside the name so access filters compare integers in SQL.

Timestamps are ISO-8601 UTC strings (``2025-05-09T10:00:00.000000Z``) rather than
dialect timestamps: they sort as text and read back identically from SQLite and
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from detour.errors import DetourError
from detour.model.marking import Ladder, Level

ROLES = ("reader", "analyst", "admin")

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("clearance", sa.String(100), nullable=False),
    sa.Column("clearance_rank", sa.Integer, nullable=False),
    sa.Column("roles", sa.Text, nullable=False),  # JSON list, subset of ROLES
    sa.Column("created_at", sa.String(32), nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False, index=True),
    sa.Column("who", sa.String(200), nullable=False),  # not a foreign key: unknown names are audited too
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("object_id", sa.String(200)),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sa.Column("detail", sa.Text),
)

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("detour-no-such-user")


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class User:
    """An acting user. The store re-reads clearance and roles from the table on every call."""

    name: str
    clearance: Level
    roles: tuple[str, ...] = ("reader",)

    def __post_init__(self) -> None:
        bad = [r for r in self.roles if r not in ROLES]
        if bad:
            raise DetourError(f"unknown role(s) {', '.join(bad)}", hint=f"use: {', '.join(ROLES)}")

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "clearance": self.clearance.name, "roles": list(self.roles)}


def _from_row(row: Any, ladder: Ladder) -> User:
    return User(row.name, ladder.level(row.clearance), tuple(json.loads(row.roles)))


def read_user(conn: sa.Connection, name: str, ladder: Ladder) -> User | None:
    row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    return _from_row(row, ladder) if row else None


def insert_user(
    conn: sa.Connection, name: str, password: str, clearance: Level, roles: tuple[str, ...]
) -> User:
    if not name or not name.strip():
        raise DetourError("a user needs a non-empty name")
    if len(password) < 8:
        raise DetourError(f"password for {name!r} is too short", hint="use at least 8 characters")
    user = User(name, clearance, tuple(dict.fromkeys(roles)))
    if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first():
        raise DetourError(f"user {name!r} already exists", hint="pick another name")
    conn.execute(
        users.insert().values(
            name=name,
            password_hash=_hasher.hash(password),
            clearance=clearance.name,
            clearance_rank=clearance.rank,
            roles=json.dumps(list(user.roles)),
            created_at=now(),
        )
    )
    return user


def check_password(conn: sa.Connection, name: str, password: str, ladder: Ladder) -> User | None:
    """The user if ``password`` matches, else ``None`` (same cost for unknown names)."""
    row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(users.update().where(users.c.name == name).values(password_hash=_hasher.hash(password)))
    return _from_row(row, ladder)


def write_audit(
    conn: sa.Connection, who: str, action: str, object_id: str | None, allowed: bool, detail: Any = None
) -> None:
    conn.execute(
        audit.insert().values(
            at=now(),
            who=who,
            action=action,
            object_id=object_id,
            allowed=allowed,
            detail=None if detail is None else json.dumps(detail, sort_keys=True, default=str),
        )
    )
