"""axe-core on every main page, in Chromium: no violation of impact serious or critical
(labelled form fields, sufficient contrast, names of links and buttons, landmarks...), and
the sign-in works from the keyboard alone. Each page's axe report is saved as JSON under
test-artifacts/axe/, with a full-page screenshot under test-artifacts/screenshots/.
SQLite pass only, like every browser test (tests/browser/__init__.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser import ARTIFACTS
from tests.browser.conftest import PASSWORDS, screenshot

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
# Every rule axe-core has, including the best practices (landmarks, one main heading...):
# only the impact decides what fails.
OPTIONS: dict[str, Any] = {"resultTypes": ["violations", "incomplete"]}

# (report name, role signed in or None, path); firm pages are added from the dashboard.
PAGES = [
    ("login", None, "/login"),
    ("login-en", None, "/login?lang=en"),
    ("dashboard", "program_manager", "/"),
    ("firms", "program_manager", "/firms"),
    ("chain", "program_manager", "/chain"),
    ("catalog", "program_manager", "/catalog"),
    ("assessment-screening", "assessor", "/assessments/new?stage=screening"),
    ("assessment-diagnostic", "assessor", "/assessments/new?stage=diagnostic"),
    ("aql", "assessor", "/aql"),
    ("inspection", "assessor", "/inspections/new"),
    ("orders", "program_manager", "/orders"),
    ("import", "program_manager", "/import"),
    ("programs", "program_manager", "/programs"),
    ("tokens", "buyer", "/tokens"),
    ("program", "program_manager", "/programs/PRG-FERIA-EEUU"),
    ("program-evaluation", "program_manager", "/programs/PRG-CONSULTORIA/evaluation"),
    ("not-found", "buyer", "/firms/F-NOPE-NOPE-0"),
]


def describe(violations: list[dict[str, Any]]) -> str:
    """The blocking violations: rule, impact, help text and link, and each failing node
    with its selector, its HTML and what axe says about it."""
    lines = []
    for rule in violations:
        lines.append(f"{rule['id']} ({rule['impact']}): {rule['help']} - {rule['helpUrl']}")
        for node in rule["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " | ")
            if summary:
                lines.append(f"        {summary[:400]}")
    return "\n".join(lines)


def check(page: Page, name: str) -> None:
    """Run axe on ``page``, save its report and a screenshot, fail on serious and critical
    violations."""
    page.wait_for_load_state("networkidle")  # charts drawn, htmx fragments in
    screenshot(page, name)
    results = Axe().run(page, options=OPTIONS)
    target = ARTIFACTS / "axe" / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results.response, indent=1, ensure_ascii=False),
                      encoding="utf-8")
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, (f"{len(blocking)} serious or critical accessibility violations "
                          f"on {page.url} (report {target}):\n{describe(blocking)}")


@pytest.mark.parametrize(("name", "role", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_has_no_serious_violation(name: str, role: str | None, path: str,
                                       page: Page, signed_in: Callable[[str], Page]) -> None:
    shown = signed_in(role) if role else page
    answer = shown.goto(path)
    assert answer is not None
    if name != "not-found":
        assert answer.ok, f"{path} answered {answer.status}"
    check(shown, name)


@pytest.mark.parametrize("role", ["program_manager", "buyer"])
def test_firm_page_has_no_serious_violation(role: str,
                                            signed_in: Callable[[str], Page]) -> None:
    page = signed_in(role)
    page.goto("/firms")
    link = page.locator("main a[href^='/firms/']").first
    link.click()
    page.wait_for_url("**/firms/F-*")
    check(page, f"firm-{role}")


def test_sign_in_with_the_keyboard_alone(page: Page) -> None:
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.focus("#username")
    page.keyboard.type("gestora")
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(PASSWORDS["gestora"])
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    expect(page.locator("h1")).to_have_text("Tablero")
    # Every link and button of the menu is reachable by Tab and shows its focus.
    page.locator("a.skip").focus()
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.getAttribute('href') || "
                                     "document.activeElement.textContent.trim()"))
        if reached[-1] == "Cerrar sesión":
            break
    assert {"/", "/firms", "/chain", "/catalog", "?lang=en", "Cerrar sesión"} <= set(reached)
    screenshot(page, "dashboard-keyboard")


def test_allocation_run_page_has_no_serious_violation(
        signed_in: Callable[[str], Page]) -> None:
    page = signed_in("program_manager")
    page.goto("/orders")
    runs = page.locator("#runs-list a")
    expect(runs.first).to_be_visible()  # the demo leaves a proposed run
    runs.first.click()
    page.wait_for_url("**/orders/runs/*")
    check(page, "allocation-run")


def test_assessment_form_with_errors_has_no_serious_violation(
        signed_in: Callable[[str], Page]) -> None:
    page = signed_in("assessor")
    page.goto("/assessments/new?stage=screening")
    page.evaluate("window.escaleraOffline && window.escaleraOffline.clear()")
    page.click("#submit-assessment")  # nothing answered: every question is marked
    expect(page.locator("#form-message")).to_be_visible()
    check(page, "assessment-errors")
