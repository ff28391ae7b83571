"""The errors a requests error wraps (urllib3's, the socket's): where the readable words are found."""

from __future__ import annotations

from collections.abc import Iterator


def error_chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and every error it wraps (args, reason, cause, context), outermost first, each once."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [arg for arg in current.args if isinstance(arg, BaseException)]
        nested += [getattr(current, "reason", None), current.__cause__, current.__context__]
        pending += [item for item in nested if isinstance(item, BaseException)]
