"""What a copywriting brief asks of the text, counted the way a writer counts: 字数 is the number of
characters without spaces and line breaks (a Chinese character, a letter, a digit, a mark each count
one), and a keyword is used when it appears in the text as written. Pure: the split, the hand-in,
the reviewer's page and the mother's live counter (``frontend/static/frontend/mother.js``, the same
rule) all use these."""

from django.utils.translation import gettext as _

from tasks.errors import InvalidSplit

MAX_CHARS = 20_000  # the most a hand-in may hold (``services.MAX_TEXT_CHARS``)
MAX_KEYWORDS = 10
MAX_KEYWORD_CHARS = 20


def char_count(text: str) -> int:
    return sum(1 for character in text or "" if not character.isspace())


def missing_keywords(text: str, keywords: list[str]) -> list[str]:
    return [word for word in keywords or [] if word not in (text or "")]


def length_terms(*, min_chars, max_chars, keywords) -> dict:
    """The length range and keywords of a split's briefs, checked: ``{min_chars, max_chars, keywords}``
    (None / [] where not asked)."""
    terms = {"min_chars": _count(min_chars, "min_chars"), "max_chars": _count(max_chars, "max_chars")}
    if None not in terms.values() and terms["min_chars"] > terms["max_chars"]:
        raise InvalidSplit(_("The fewest characters cannot be more than the most."), details={"field": "min_chars"})
    if keywords in (None, ""):
        keywords = []
    if not isinstance(keywords, list) or len(keywords) > MAX_KEYWORDS:
        raise InvalidSplit(_("Give at most %(n)s keywords.") % {"n": MAX_KEYWORDS}, details={"field": "keywords"})
    words = []
    for word in keywords:
        word = word.strip() if isinstance(word, str) else ""
        if not word or len(word) > MAX_KEYWORD_CHARS or "\x00" in word:
            raise InvalidSplit(
                _("Each keyword is 1 to %(n)s characters.") % {"n": MAX_KEYWORD_CHARS}, details={"field": "keywords"}
            )
        if word not in words:
            words.append(word)
    terms["keywords"] = words
    return terms


def _count(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CHARS:
        raise InvalidSplit(
            _("%(field)s must be a whole number from 1 to %(max)s.") % {"field": field, "max": MAX_CHARS},
            details={"field": field},
        )
    return value


def writing_of(submission) -> dict:
    """What the reviewer sees beside a copywriting text: its 字数, the range asked, the keywords missing."""
    task = submission.task
    return {
        "chars": char_count(submission.text),
        "min_chars": task.min_chars,
        "max_chars": task.max_chars,
        "keywords": task.keywords or [],
        "missing_keywords": missing_keywords(submission.text, task.keywords),
    }
