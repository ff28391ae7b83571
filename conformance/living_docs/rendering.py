"""The Jinja2 environment of the site: templates beside this module, every value escaped."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STYLESHEET = "style.css"
SCRIPT = "site.js"
TITLE = "Nextcloud Talk call recording: living documentation"


def words(value: Any) -> str:
    """A value as a reader says it: booleans as yes / no, the rest as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


@functools.cache
def environment() -> Environment:
    """One environment per process; autoescape on for every template, undefined names are errors."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["words"] = words
    env.globals.update(TITLE=TITLE, STYLESHEET=STYLESHEET, SCRIPT=SCRIPT)
    return env


def render(template: str, **context: Any) -> str:
    """Render one page of the site."""
    return environment().get_template(template).render(**context)
