"""The words of an assembly hand-over, checked (tasks.services.handovers): a point or a note, the parts
of a kit and the defects of a check as ``[{name|reason, count}]``, and the review's reason of a quality
check in words she can read."""

from django.utils.translation import gettext as _

from core.errors import Invalid
from tasks.handovers import MAX_NAME
from tasks.services._common import _bounded_int

MAX_COUNT = 1_000_000


def _qc_reason(*, accepted: int, returned: int, defects: list, note: str) -> str:
    """The reason of the review, in words she can read: what was counted, and why pieces failed."""
    if not returned:
        reason = _("Quality check: no finished pieces came back.")
    elif not defects:
        reason = _("Quality check: all %(accepted)s pieces passed.") % {"accepted": accepted}
    else:
        why = _(", ").join(_("%(reason)s %(count)s") % {"reason": d["reason"], "count": d["count"]} for d in defects)
        reason = _("Quality check: %(accepted)s of %(returned)s pieces passed; defective: %(why)s.") % {
            "accepted": accepted,
            "returned": returned,
            "why": why,
        }
    return f"{reason} {note}".strip()


def _text(value, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value.strip()) > limit or "\x00" in value:
        raise Invalid(
            _("%(field)s must be a text of at most %(limit)s characters.") % {"field": name, "limit": limit},
            details={"field": name},
        )
    return value.strip()


def _listed(value, name: str, label: str, limit: int) -> list[dict]:
    """``[{label: text, count: n}, …]`` checked: at most ``limit`` entries, each named once, counts ≥ 1."""
    if value in (None, "", []):
        return []
    bad = Invalid(
        _("%(field)s must be a list of at most %(limit)s entries, each with a %(label)s and a count of 1 or more.")
        % {"field": name, "limit": limit, "label": label},
        details={"field": name},
    )
    if not isinstance(value, list) or len(value) > limit:
        raise bad
    merged: dict[str, int] = {}
    for entry in value:
        if not isinstance(entry, dict) or set(entry) - {label, "count"}:
            raise bad
        text = entry.get(label)
        if not isinstance(text, str) or not text.strip() or len(text.strip()) > MAX_NAME:
            raise bad
        try:
            count = _bounded_int(entry.get("count"), f"{name}.count", low=1, high=MAX_COUNT)
        except Invalid:
            raise bad from None
        merged[text.strip()] = merged.get(text.strip(), 0) + count
    return [{label: text, "count": count} for text, count in merged.items()]
