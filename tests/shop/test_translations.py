"""The English catalogue translates every string of the interface, placeholders intact."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "shop/translations/en/LC_MESSAGES/messages.po"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def source_strings() -> set[str]:
    found: set[str] = set()
    for package in ("core", "inventory", "payments", "logistics", "ledger", "errands", "shop"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, METHODS, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_string_has_an_english_translation() -> None:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    translated = {m.id for m in catalogue if m.id and m.string}
    missing = sorted(source_strings() - translated)
    assert missing == [], "run `make i18n-update` and translate: " + ", ".join(missing[:20])


def test_placeholders_match() -> None:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file)
    problems = [(m.id, errors) for m, errors in catalogue.check() if errors]
    assert problems == []
