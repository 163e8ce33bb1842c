"""axe-core from the npm registry (package.json at the repository root, `npm ci`), run in a page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page

REPOSITORY = Path(__file__).resolve().parents[3]
AXE_PATH = Path(os.environ.get("AXE_PATH", REPOSITORY / "node_modules/axe-core/axe.min.js"))
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Violation:
    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.page}: [{self.impact}] {self.rule} — {self.help} — {', '.join(self.targets)}"


def axe_source() -> str | None:
    return AXE_PATH.read_text(encoding="utf-8") if AXE_PATH.is_file() else None


def axe_start(page: Page, source: str) -> None:
    """Starts axe on the page as it is now and returns at once (collect with `axe_collect`), so
    that the browser checks one page while the next one loads.

    The script goes in through the DevTools protocol (page.evaluate), which the pages' Content
    Security Policy does not govern: nothing about the pages changes to let it in."""
    page.evaluate(source)
    page.evaluate(
        """() => {
            window.__axeResults = axe.run(document, {resultTypes: ['violations']}).then(
                outcome => outcome.violations.map(v => ({
                    rule: v.id, impact: v.impact || '', help: v.help,
                    targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
                })));
        }"""
    )


def axe_collect(page: Page, name: str) -> list[Violation]:
    """Every violation axe found on the page, whatever its impact."""
    results = page.evaluate("() => window.__axeResults")
    return [
        Violation(name, item["rule"], item["impact"], item["help"], tuple(item["targets"]))
        for item in results
    ]


def blocking(violations: list[Violation]) -> list[Violation]:
    return [violation for violation in violations if violation.impact in BLOCKING]
