"""The UI draws no emoji: a centre's PC (offline, no emoji font) would show an empty box instead.

Symbols the bundled DejaVu fonts have (★, ⚠, arrows) are fine; pictographs (U+1F000 and up) are not.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PICTOGRAPH = re.compile("[\U0001F000-\U0001FAFF]")
UI_SOURCES = [*ROOT.glob("pages/*.py"), *ROOT.glob("layers/*.py"), *ROOT.glob("web/*.py"),
              *ROOT.glob("templates/**/*"), *ROOT.glob("assets/*.js"), *ROOT.glob("assets/*.css"),
              ROOT / "i18n.py"]


def test_no_pictographs_in_ui_sources() -> None:
    found = []
    for path in UI_SOURCES:
        if not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PICTOGRAPH.search(line):
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}")
    assert len(UI_SOURCES) > 20
    assert found == []
