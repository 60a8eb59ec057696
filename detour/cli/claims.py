"""Claims commands: ``claims extract|list|show|check|edit|sources|export``, ``check-article``, ``users add``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from detour import claims_service as cs
from detour.cli.data import ctx_of
from detour.cli.output import Format, emit, jsonable

claims_app = typer.Typer(no_args_is_help=True, help="Allegations as data: extract, grade, check, export.")
users_app = typer.Typer(no_args_is_help=True, help="Users of the claims store (clearance and roles).")
User = Annotated[str | None, typer.Option("--user", help="Acting user [env DETOUR_USER]")]
CLAIM_COLUMNS = ["id", "kind", "supplier", "recipient", "via", "items", "period", "status", "claimant", "grade"]


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
    app.add_typer(users_app, name="users")
    app.command("check-article")(check_article)


def _short(rows: list[dict]) -> list[dict]:
    """Readable cells for the table view: party names, HS codes, period span."""
    def names(ps: list | None) -> str:
        return ", ".join(p.get("iso3") or p["name"] for p in ps or [])
    out = []
    for r in rows:
        out.append({**r, "supplier": names(r.get("supplier")), "recipient": names(r.get("recipient")),
                    "via": names(r.get("via")), "items": ", ".join((r.get("items") or {}).get("hs", [])),
                    "period": "–".join(filter(None, [(r.get("period") or {}).get("start"),
                                                     (r.get("period") or {}).get("end")])),
                    "claimant": (r.get("claimant") or {}).get("name", "")})
    return out


@claims_app.command("extract")
def extract(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(help="Text file, or - for standard input")],
    published: Annotated[str | None, typer.Option(help="Publication date YYYY-MM-DD (relative dates)")] = None,
    save: Annotated[bool, typer.Option(help="Save the claims to the claims store")] = True,
    marking: Annotated[str | None, typer.Option(help="Read/write marking, e.g. CLEAR, AMBER")] = None,
    user: User = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="json | table")] = Format.json,
) -> None:
    """Extract claims about transfers of goods from English news text.

    Example: detour claims extract article.txt --published 2025-05-30 --format json
    """
    rows = cs.extract(ctx_of(ctx), article, published, save=save, marking=marking, user=user)
    emit(rows if fmt is Format.json else _short(rows), fmt, title="claims",
         columns=None if fmt is Format.json else CLAIM_COLUMNS)


@claims_app.command("list")
def list_(ctx: typer.Context, text: Annotated[str | None, typer.Option(help="Search text")] = None,
          user: User = None, fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """List the claims you may read.

    Example: detour claims list --text Serbia
    """
    rows = [{**r.pop("claim"), **r} for r in cs.list_claims(ctx_of(ctx), text, user)]
    emit(rows if fmt is Format.json else _short(rows), fmt, title="claims",
         columns=None if fmt is Format.json else CLAIM_COLUMNS)


@claims_app.command("show")
def show(ctx: typer.Context, claim_id: str, user: User = None) -> None:
    """Show one claim with its grade, marking, assessments and edit history (JSON).

    Example: detour claims show claim-07fbcf29cbbcb055
    """
    emit(cs.show(ctx_of(ctx), claim_id, user), Format.json)


@claims_app.command("check")
def check(ctx: typer.Context,
          claim_ids: Annotated[list[str] | None, typer.Argument(help="One or more claim ids")] = None,
          every: Annotated[bool, typer.Option("--all", help="Every claim you may read")] = False,
          user: User = None,
          fmt: Annotated[Format, typer.Option("--format", "-f", help="json | table")] = Format.table) -> None:
    """Check stored claims against the trade data; each assessment is recorded.

    Several claims (or --all) are checked on one detector panel, built once.

    Example: detour claims check claim-07fbcf29cbbcb055 --format json; detour claims check --all
    """
    if bool(claim_ids) == every:
        raise typer.BadParameter("give one or more claim ids, or --all (not both)")
    if claim_ids and len(claim_ids) == 1:
        result = cs.check(ctx_of(ctx), claim_ids[0], user)
        a = result["assessment"]
        if fmt is Format.json:
            emit(result, fmt)
        else:
            emit({"verdict": a["verdict"], "confidence": a["confidence"], "reasons": a["reasons"],
                  "settle": a["settle"]}, Format.table)
        return
    results = cs.check_many(ctx_of(ctx), None if every else claim_ids, user)
    if fmt is Format.json:
        print(json.dumps(jsonable(results), indent=2, default=str))
    else:
        rows = [{"claim": r["claim"]["id"], "kind": r["claim"]["claim"]["kind"],
                 "status": r["claim"]["claim"]["status"], "verdict": r["assessment"]["verdict"],
                 "confidence": r["assessment"]["confidence"]} for r in results]
        emit(rows, Format.table, title="claims checked")


@claims_app.command("edit")
def edit(ctx: typer.Context, claim_id: str, field: str, value: str, user: User = None) -> None:
    """Edit one field of a claim (JSON value or plain text); the history is kept.

    Example: detour claims edit claim-07fbcf29cbbcb055 status '"confirmed"'
    """
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    emit(cs.edit(ctx_of(ctx), claim_id, field, parsed, user), Format.json)


@claims_app.command("sources")
def sources(ctx: typer.Context, user: User = None,
            fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.table) -> None:
    """Claimants with their reliability grade from the history of their assessed claims.

    Example: detour claims sources --format json
    """
    emit(cs.sources(ctx_of(ctx), user), fmt, title="sources")


@claims_app.command("export")
def export(ctx: typer.Context, fmt: Annotated[str, typer.Option("--format", "-f", help="stix")] = "stix",
           out: Annotated[Path | None, typer.Option(help="File to write (default stdout)")] = None,
           user: User = None) -> None:
    """Export the claims you may read, with assessments and markings, as a STIX 2.1 bundle.

    Example: detour claims export --format stix --out claims.json
    """
    if fmt != "stix":
        raise typer.BadParameter("only --format stix is supported")
    text = cs.export_stix(ctx_of(ctx), user)
    if out:
        out.write_text(text, encoding="utf-8")
        print(out)
    else:
        sys.stdout.write(text + "\n")


def check_article(
    ctx: typer.Context,
    article: Annotated[str, typer.Argument(help="Text file, or - for standard input")],
    published: Annotated[str | None, typer.Option(help="Publication date YYYY-MM-DD")] = None,
    report: Annotated[Path | None, typer.Option(help="Also write an HTML report with charts")] = None,
    marking: Annotated[str | None, typer.Option(help="Marking for the saved claims")] = None,
    user: User = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="json | table")] = Format.table,
) -> None:
    """Extract an article's claims, grade them and check each against the trade data.

    Example: detour check-article article.txt --published 2025-05-30 --report check.html
    """
    from detour import service

    c = ctx_of(ctx)
    result = cs.check_article(c, article, published, user, marking)
    if report:
        path = service.report(c, report, with_alerts=False, claim_results=result["results"],
                              title=f"Detour check: {Path(article).name}")
        print(path, file=sys.stderr)
    if fmt is Format.json:
        emit(result, fmt)
        return
    rows = [{"claim": r["claim"]["id"], "kind": r["claim"]["claim"]["kind"], "grade": r["claim"]["grade"],
             "status": r["claim"]["claim"]["status"], "verdict": r["assessment"]["verdict"],
             "confidence": r["assessment"]["confidence"]} for r in result["results"]]
    emit(rows, fmt, title=f"claims in {article}")


@users_app.command("add")
def add_user(ctx: typer.Context, name: str,
             clearance: Annotated[str, typer.Option(help="Clearance on the ladder, e.g. AMBER")],
             role: Annotated[list[str], typer.Option(help="reader | analyst | admin (repeatable)")] = ["reader"],  # noqa: B006
             actor: User = None) -> None:
    """Add a user; the password is read from standard input or prompted.

    Example: echo secret | detour users add alice --clearance AMBER --role analyst --user admin
    """
    password = sys.stdin.readline().strip() if not sys.stdin.isatty() else typer.prompt("password", hide_input=True)
    emit(cs.add_user(ctx_of(ctx), name, password, clearance, role, actor), Format.json)
