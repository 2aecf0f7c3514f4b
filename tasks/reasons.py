"""The ready reasons a supervisor picks with one tap, for a company and a kind of work: the company's
own (``ReadyReason``, set on /work/reasons/) when it has any for that kind, else the built-in ones that
fit the kind (``REASON_TEMPLATES``). Each has a key the review page sends back: ``c<id>`` for a
company's own, ``<decision>:<index>`` for a built-in one."""

import re

from tasks.models import REASON_TEMPLATES, ReadyReason, reason_templates_for

DECISIONS = tuple(REASON_TEMPLATES)  # partial, reject, revise


def ready_reasons(company_id: int, kind: str) -> dict[str, list[tuple[str, str]]]:
    """Per decision, ``(key, text)`` in order; one read."""
    own = list(ReadyReason.objects.filter(company_id=company_id, kind=kind))
    if own:
        return {decision: [(f"c{r.pk}", r.text) for r in own if r.decision == decision] for decision in DECISIONS}
    return {
        decision: [(f"{decision}:{index}", text) for index, text in texts]
        for decision, texts in reason_templates_for(kind).items()
    }


def is_customised(company_id: int, kind: str) -> bool:
    return ReadyReason.objects.filter(company_id=company_id, kind=kind).exists()


def reason_text(company_id: int, key: str) -> str:
    """The text of a ready reason by its key ("" for a key that names none of this company's)."""
    key = key or ""
    if re.fullmatch(r"c[0-9]{1,9}", key):
        own = ReadyReason.objects.filter(company_id=company_id, pk=int(key[1:])).values_list("text", flat=True)
        return own.first() or ""
    decision, _sep, index = key.partition(":")
    texts = REASON_TEMPLATES.get(decision, [])
    if re.fullmatch(r"[0-9]{1,3}", index) and int(index) < len(texts):
        return str(texts[int(index)])
    return ""
