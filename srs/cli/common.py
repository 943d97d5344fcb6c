"""Provides what every CLI command shares: the invocation context, opening the store,
JSON output, and turning engine errors into one line on stderr with exit 1."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from srs.clock import Clock, clock_from_env
from srs.errors import SrsError
from srs.store import Store, default_collection_path

P = ParamSpec("P")
R = TypeVar("R")

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


@dataclass
class CliContext:
    """Options given before the command name (``srs --db X review``)."""

    db: Path | None = None
    clock: Clock | None = None

    @property
    def db_path(self) -> Path:
        return self.db if self.db is not None else default_collection_path()

    def get_clock(self) -> Clock:
        if self.clock is None:
            self.clock = clock_from_env()
        return self.clock

    def open_store(self) -> Store:
        """Open the collection this invocation works on."""
        return Store.open(self.db_path, clock=self.get_clock())


def get_ctx() -> CliContext:
    """The CliContext of the running click invocation."""
    ctx = click.get_current_context()
    obj = ctx.find_object(CliContext)
    if obj is None:
        obj = ctx.ensure_object(CliContext)
    return obj


def emit_json(value: Any) -> None:
    """Print ``value`` as JSON on stdout (UTF-8, stable key order as given)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def fail(message: str, code: int = 1) -> None:
    """Print one line on stderr and exit with ``code``."""
    click.echo(f"srs: {message}", err=True)
    sys.exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn an SrsError raised by a command into one line on stderr and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SrsError as exc:
            click.echo(
                f"srs: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                err=True,
            )
            sys.exit(1)

    return wrapper


json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
deck_option = click.option(
    "--deck", "-d", "deck", default=None, help="Limit to this deck (and its children)."
)
