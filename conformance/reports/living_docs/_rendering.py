"""The Jinja2 environment of the site: templates beside this module, every value escaped."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STYLESHEET = "style.css"
SCRIPT = "site.js"
TITLE = "Nextcloud Talk call recording: living documentation"


def words(value: Any) -> str:
    """A value as a reader says it: booleans as yes / no, the rest as text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def path_breaks(path: Any) -> Markup:
    """A URL path that may wrap after each slash on a narrow screen, never inside a word."""
    return Markup("/<wbr>").join(escape(part) for part in str(path).split("/"))


def inline_code(text: Any) -> Markup:
    """Contract prose with its `backticks` shown as code; everything else escaped."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return escape(text)
    code = Markup("<code>{}</code>")  # format() escapes the part it inserts
    return Markup("").join(code.format(part) if odd % 2 else escape(part) for odd, part in enumerate(parts))


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
    env.filters["path_breaks"] = path_breaks
    env.filters["inline_code"] = inline_code
    env.globals.update(TITLE=TITLE, STYLESHEET=STYLESHEET, SCRIPT=SCRIPT)
    return env


def render(template: str, **context: Any) -> str:
    """Render one page of the site."""
    return environment().get_template(template).render(**context)
