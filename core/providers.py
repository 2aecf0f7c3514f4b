"""A question a lower layer asks and only a higher layer can answer, supplied at start-up.

Imports point only down the layers (docs/ARCHITECTURE.md, held by import-linter). Where a lower app
must ask something whose answer lives above it — the ledger asking whether a mother has worked for a
company, the socket layer whether a user may follow a project — the lower app declares the question
as a ``Provider`` (in its ``facts.py``, with the signature in its docstring) and the app that knows
the answer supplies it in its ``AppConfig.ready()``. The dependency stays visible (grep ``.supply(``)
and points down; nothing is looked up by name. Asking before anyone answered is a wiring bug: it
raises instead of guessing.
"""

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class NotSupplied(RuntimeError):
    pass


class Provider(Generic[P, R]):
    def __init__(self, question: str):
        self.question = question
        self._answer: Callable[P, R] | None = None

    def supply(self, answer: Callable[P, R]) -> Callable[P, R]:
        self._answer = answer
        return answer

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._answer is None:
            raise NotSupplied(f"nobody answers {self.question!r}: is the app that knows it installed?")
        return self._answer(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Provider {self.question!r}{'' if self._answer else ' (not supplied)'}>"
