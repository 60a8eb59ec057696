"""Permission rules. This is the only module where markings become filters.

Every object in the claims store carries a *read* and a *write* marking on the store's
ladder (TLP 2.0 by default; see ``detour.model.marking``). Every call names its acting
user, and the rules are:

1. **Who is acting.** The user is re-read from the ``users`` table on every call, so a
   lowered clearance or a removed role takes effect at once. An unknown user is denied.
2. **Read.** A user sees a claim iff ``clearance >= read marking``. Documents, sources,
   assessments, edit history and reliability history are visible only through claims the
   user can see: they are joined to ``claims`` and filtered by the same rule.
3. **Invisible means absent.** Asking for a claim you cannot see raises ``NotFound`` with
   the same message as a claim that does not exist, so existence never leaks.
4. **Filters run in SQL.** :func:`readable` returns a ``WHERE`` clause. Counts, searches,
   reliability aggregates and STIX exports are all built on it, so nothing is computed
   over rows the user cannot see and then trimmed afterwards.
5. **Write.** A user may change a claim (edit fields, record an assessment) iff they can
   read it, ``clearance >= write marking``, and they hold the ``analyst`` or ``admin``
   role. Saving new claims needs the same roles.
6. **No marking above your clearance.** Markings given on save or edit may not exceed
   the actor's clearance (nobody originates material they could not read). When no
   marking is given on save, the actor's clearance is used: the conservative default.
7. **Admins.** Only ``admin`` may change markings, add users and read the audit log. The
   first user of an empty store may be added without an actor (bootstrap).
8. **Audit.** Every read (get, list, count, search, export) and every denial is written
   to ``audit``. Denials are written in their own transaction after the failed one rolls
   back, so a refused request always leaves a trace.

This mirrors datasette's model: an *actor*, an *action*, a *resource*, and one place
that answers "may this actor do this?".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from detour.errors import AccessDenied, NotFound
from detour.model.marking import Ladder, Level, Marking
from detour.store.users import User, audit, check_password, insert_user, read_user, users, write_audit

EDITOR_ROLES = ("analyst", "admin")


def readable(user: User, table: sa.Table) -> sa.ColumnElement[bool]:
    """WHERE clause: rows of ``table`` (which has ``read_rank``) that ``user`` may see."""
    return table.c.read_rank <= user.clearance.rank


def can_read(user: User, marking: Marking) -> bool:
    return user.clearance >= marking.read


def can_edit(user: User, marking: Marking) -> bool:
    return can_read(user, marking) and user.clearance >= marking.write and user.has_role(*EDITOR_ROLES)


def require_role(user: User, roles: tuple[str, ...], action: str) -> None:
    if not user.has_role(*roles):
        raise AccessDenied(
            f"{user.name} may not {action}", hint=f"needs role {' or '.join(roles)}; ask an admin"
        )


def check_assignable(user: User, marking: Marking) -> None:
    """Refuse markings the actor could not read themselves (rule 6)."""
    if marking.write > user.clearance:
        raise AccessDenied(
            f"{user.name} (clearance {user.clearance.name}) may not mark material "
            f"{marking.read.name}/{marking.write.name}",
            hint="choose read and write markings at or below your clearance",
        )


def default_marking(user: User) -> Marking:
    return Marking(user.clearance, user.clearance)


def not_found(kind: str, object_id: str) -> NotFound:
    """The same error whether the object is missing or merely invisible (rule 3)."""
    hint = "check the id; you may only see material within your clearance"
    return NotFound(f"no {kind} {object_id!r}", hint=hint)


def resolve(conn: sa.Connection, user: User | str, ladder: Ladder) -> User:
    """The acting user as the table has them now (rule 1)."""
    name = user if isinstance(user, str) else user.name
    found = read_user(conn, name, ladder)
    if found is None:
        raise AccessDenied(f"unknown user {name!r}", hint="log in again or ask an admin to add you")
    return found


@contextmanager
def acting(
    engine: sa.Engine, ladder: Ladder, user: User | str, action: str, object_id: str | None = None
) -> Iterator[tuple[sa.Connection, User]]:
    """A transaction as ``user``; a denial or NotFound inside it is audited, then re-raised."""
    try:
        with engine.begin() as conn:
            yield conn, resolve(conn, user, ladder)
    except (AccessDenied, NotFound) as exc:
        who = user if isinstance(user, str) else user.name
        with engine.begin() as conn:
            write_audit(conn, who, action, object_id, False, {"reason": str(exc).splitlines()[0]})
        raise


def audit_read(
    conn: sa.Connection, user: User, action: str, object_id: str | None = None, **detail: Any
) -> None:
    write_audit(conn, user.name, action, object_id, True, detail or None)


def add_user(
    engine: sa.Engine,
    ladder: Ladder,
    name: str,
    password: str,
    clearance: str | Level,
    roles: tuple[str, ...],
    actor: User | str | None,
) -> User:
    """Add a user. Needs an admin actor whose clearance covers the new one, unless the store has no users."""
    level = ladder.level(clearance)
    with engine.begin() as conn:
        empty = conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one() == 0
    if empty and actor is None:
        with engine.begin() as conn:
            made = insert_user(conn, name, password, level, roles)
            write_audit(conn, name, "bootstrap_user", name, True, {"roles": list(roles)})
        return made
    with acting(engine, ladder, actor or "", "add_user", name) as (conn, admin):
        require_role(admin, ("admin",), "add users")
        if level > admin.clearance:
            raise AccessDenied(f"{admin.name} may not grant clearance {level.name} above their own")
        made = insert_user(conn, name, password, level, roles)
        write_audit(conn, admin.name, "add_user", name, True, {"roles": list(roles), "clearance": level.name})
    return made


def authenticate(engine: sa.Engine, ladder: Ladder, name: str, password: str) -> User:
    """The user for a correct name and password; one message for every failure."""
    with engine.begin() as conn:
        user = check_password(conn, name, password, ladder)
        if user is not None:
            write_audit(conn, name, "login", name, True)
            return user
    with engine.begin() as conn:
        write_audit(conn, name, "login", name, False)
    raise AccessDenied("wrong user name or password", hint="check both and try again")


def audit_log(engine: sa.Engine, ladder: Ladder, user: User | str, limit: int = 100) -> list[dict[str, Any]]:
    """Most recent audit rows first; admins only. Reading the log is itself audited."""
    with acting(engine, ladder, user, "read_audit") as (conn, admin):
        require_role(admin, ("admin",), "read the audit log")
        rows = conn.execute(sa.select(audit).order_by(audit.c.id.desc()).limit(limit)).mappings().all()
        audit_read(conn, admin, "read_audit", returned=len(rows))
    return [dict(r) for r in rows]
