"""Write locale/zh_Hans/LC_MESSAGES/django.po from locale/zh_Hans.py and compile it with msgfmt.

Run ``python manage.py makemessages -l zh_Hans --no-location`` first to collect msgids, then this.
It fails, listing them, when a msgid has no Chinese yet.
"""

import ast
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
PO = HERE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
HEADER = (
    "Project-Id-Version: homeslot\n"
    "Language: zh_Hans\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "Plural-Forms: nplurals=1; plural=0;\n"
)


def msgids(po_text: str) -> list[str]:
    """The msgids of a .po file, joined across continuation lines."""
    found, current, inside = [], None, False
    for line in po_text.splitlines():
        if line.startswith("msgid "):
            current, inside = ast.literal_eval(line[6:]), True
        elif inside and line.startswith('"'):
            current += ast.literal_eval(line)
        else:
            if inside and current:
                found.append(current)
            inside = False
    return found


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> int:
    sys.path.insert(0, str(HERE))
    from zh_Hans import ZH

    wanted = msgids(PO.read_text(encoding="utf-8")) if PO.exists() else list(ZH)
    missing = [m for m in wanted if m not in ZH]
    if missing:
        print("No Chinese yet for:", *missing, sep="\n  ")
        return 1
    entries = [f'msgid ""\nmsgstr {po_quote(HEADER)}\n']
    entries += [f"msgid {po_quote(m)}\nmsgstr {po_quote(ZH[m])}\n" for m in wanted]
    PO.parent.mkdir(parents=True, exist_ok=True)
    PO.write_text("\n".join(entries), encoding="utf-8")
    # The compiled .mo is committed, so running the platform never needs gettext tools.
    subprocess.run(["msgfmt", "--check", "-o", str(MO), str(PO)], check=True)
    print(f"{len(wanted)} messages → {MO.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
