"""The ``detour`` command: a thin shell over ``detour.service``.

Command groups live in sibling modules; each command parses options, calls one service
function and renders its result with ``detour.cli.output``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from detour import settings
from detour.errors import DetourError

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Detour: find trade diversion and check allegations against mirror trade statistics.")


@app.callback()
def root(
    ctx: typer.Context,
    store: Annotated[Path | None, typer.Option(help="Store directory [env DETOUR_STORE; default ./detour-store]")] = None,
    engine: Annotated[str | None, typer.Option(help="Query engine: duckdb (default) or spark [env DETOUR_ENGINE]")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log to stderr")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = {"store": store or settings.store_dir(), "engine": engine or settings.engine_name()}


def _register() -> None:
    """Attach every command group; each lives in its own module."""
    from detour.cli import analysis, claims, data, detect, fetch, simulate

    data.register(app)
    analysis.register(app)
    detect.register(app)
    claims.register(app)
    app.command("simulate")(simulate.simulate)
    app.add_typer(fetch.app, name="fetch", help=fetch.app.info.help or None)


def main() -> None:
    _register()
    try:
        app()
    except DetourError as exc:
        console = Console(stderr=True)
        console.print("[bold red]error:[/bold red]", end=" ")
        console.print(str(exc), markup=False, highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        Console(stderr=True).print("[red]interrupted; the store is unchanged[/red]")
        sys.exit(130)
