"""Every text the pages show has its Simplified Chinese translation, and the catalogue compiles."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from web.i18n import TRANSLATIONS, compile_catalogues

ROOT = Path(__file__).resolve().parents[2]
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}


def test_every_message_of_the_pages_is_translated_to_chinese():
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id for m in catalog if m.id and m.string}
    used = {msg for _f, _l, msg, _c, _x in extract_from_dir(str(ROOT / "web"), METHODS, keywords=KEYWORDS)
            if isinstance(msg, str)}
    assert used, "no messages extracted"
    assert sorted(used - translated) == []


def test_catalogues_compile_into_a_fresh_folder(tmp_path):
    target = tmp_path / "zh" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes((TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").read_bytes())
    assert compile_catalogues(tmp_path) == [target / "messages.mo"]
    assert compile_catalogues(tmp_path) == []  # up to date: nothing to do
