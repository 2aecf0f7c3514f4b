"""The one reader of JSON a client sent: request bodies (DRF's parser, the claim fast path), WebSocket
messages and uploaded JSONL lines.

Python's parser recurses once per nesting level, so ``[[[[…]]]]`` 100,000 deep raises RecursionError
(a 500, a socket closed with 1011) instead of a parse error; a few hundred levels parse, then break
whatever walks the value next (validation, ``json.dumps`` into a JSONField). Nothing Homeslot reads is
more than a few levels deep, so anything deeper than ``MAX_DEPTH`` is refused as invalid JSON, like a
syntax error. ``NaN`` and ``Infinity`` are refused too (they are not JSON; DRF's strict parser says so).
"""

import json

MAX_DEPTH = 32  # {"labels": {"item": "label"}} is 2; the deepest thing a client sends is a handful


class InvalidJSON(ValueError):
    """Not JSON, or JSON nested deeper than ``MAX_DEPTH``: ``reason`` says which and where, in English;
    ``msg`` the same without the position (for a message that names the line itself)."""

    def __init__(self, reason: str, msg: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.msg = msg or reason


def _no_constants(name: str):
    raise ValueError(f"{name} is not valid JSON")


def json_loads(raw: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH):
    """The value ``raw`` holds (bytes are UTF-8, as every client sends them), or :class:`InvalidJSON`."""
    try:
        if isinstance(raw, bytes | bytearray):
            raw = raw.decode()
        value = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise InvalidJSON(f"nested more than {max_depth} levels deep") from None
    except json.JSONDecodeError as exc:
        raise InvalidJSON(str(exc), exc.msg) from None
    except ValueError as exc:  # UnicodeDecodeError, NaN, an integer of over 4,300 digits
        raise InvalidJSON(str(exc)) from None
    if _deeper_than(value, max_depth):
        raise InvalidJSON(f"nested more than {max_depth} levels deep")
    return value


def json_load(stream, *, max_depth: int = MAX_DEPTH):
    """:func:`json_loads` of what a text stream holds."""
    try:
        text = stream.read()
    except ValueError as exc:  # a body that is not in its declared encoding
        raise InvalidJSON(str(exc)) from None
    return json_loads(text, max_depth=max_depth)


def _deeper_than(value, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` containers, found without recursing."""
    if not isinstance(value, dict | list):
        return False
    pending = [(value, 1)]
    while pending:
        container, depth = pending.pop()
        children = container.values() if isinstance(container, dict) else container
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False
