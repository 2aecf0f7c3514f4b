"""Instructions as a supervisor typed them, shown safely: paragraphs, line breaks and simple lists.

Every piece of text is escaped first; only the few tags made here are HTML, so whatever a
project's instructions contain, it can never become markup or script on anyone's page.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ITEM = re.compile(r"^\s*(?:[-*•·]|\d+[.、)])\s+")


def instructions_html(text: str) -> SafeString:
    blocks: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip()):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_ITEM.match(line) for line in lines):
            ordered = lines[0].lstrip()[:1].isdigit()
            tag = "ol" if ordered else "ul"
            items = "".join(f"<li>{escape(_ITEM.sub('', line, count=1))}</li>" for line in lines)
            blocks.append(f"<{tag}>{items}</{tag}>")
        else:
            blocks.append("<p>" + "<br>".join(escape(line) for line in lines) + "</p>")
    return mark_safe("\n".join(blocks))
