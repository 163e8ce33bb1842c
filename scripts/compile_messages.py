"""Compile every app's .po catalogue into .mo without needing GNU gettext, or check (--check) that
the committed .mo files match their .po sources."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def catalogues() -> list[Path]:
    return sorted((ROOT / "absher").glob("*/locale/*/LC_MESSAGES/django.po"))


def entries(mo_path: Path) -> dict[tuple[str | None, str], str]:
    return {(e.msgctxt, e.msgid): e.msgstr for e in polib.mofile(str(mo_path))}


def main(check: bool) -> int:
    stale = []
    for po_path in catalogues():
        mo_path = po_path.with_suffix(".mo")
        po = polib.pofile(str(po_path))
        if check:
            with tempfile.TemporaryDirectory() as tmp:
                fresh = Path(tmp) / "fresh.mo"
                po.save_as_mofile(str(fresh))
                if not mo_path.exists() or entries(fresh) != entries(mo_path):
                    stale.append(po_path.relative_to(ROOT))
        else:
            po.save_as_mofile(str(mo_path))
    if stale:
        print("Translations not compiled (run `make messages`):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
