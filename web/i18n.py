"""Languages: Simplified Chinese by default, English selectable (Flask-Babel).

Message catalogues are kept as ``.po`` text in ``web/translations`` and compiled to ``.mo``
(Simplified Chinese under ``zh``: Babel expands ``zh_CN`` to ``zh_Hans_CN``, and gettext then
falls back to ``zh`` on every Babel version, old or new)
by ``make`` (``python -m web.i18n``). The app also compiles any catalogue whose ``.mo`` is
missing or older than its ``.po`` when it starts, so a fresh clone run without ``make`` is
still in Chinese rather than silently falling back to the English message ids.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, session
from flask_babel import Babel

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LOCALES = {"zh_CN": "中文", "en": "English"}
log = logging.getLogger("szcg.web")


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every stale or missing ``.mo``; return the files written."""
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        try:
            fd, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".mo-")
            with os.fdopen(fd, "wb") as out:
                out.write(buffer.getvalue())
            os.replace(tmp, mo)  # atomic: several workers starting at once never read half a file
        except OSError as exc:
            log.warning("could not write %s (%s); run `make` to compile the catalogues", mo, exc)
            continue
        written.append(mo)
    return written


def init(app: Flask, default_locale: str) -> Babel:
    """Attach Flask-Babel: the locale is the one chosen in the session, else the configured default."""
    compile_catalogues()
    app.config.update(BABEL_DEFAULT_LOCALE=default_locale, BABEL_DEFAULT_TIMEZONE="Asia/Shanghai",
                      BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))

    def select_locale() -> str:
        chosen = session.get("lang")
        return chosen if chosen in LOCALES else default_locale

    return Babel(app, locale_selector=select_locale)


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"compiled {path.relative_to(TRANSLATIONS.parent.parent)}")
