"""The Content-Security-Policy as Chromium enforces it: the pages that run scripts (Vega-Lite
charts, htmx, the offline assessment form) work with script-src 'self' and report no
violation. A script put back inline, or Vega compiling expressions with Function(), would
be blocked here and fail these tests."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Runs before the page's own scripts (not subject to the page's policy): keeps every
# violation the page reports.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
                           " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _watched(signed_in: Callable[[str], Page], role: str) -> tuple[Page, list[str]]:
    page = signed_in(role)
    page.add_init_script(WATCH)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text)
            if "Content Security Policy" in m.text else None)
    return page, console


def _no_violation(page: Page, console: list[str]) -> None:
    violations = page.evaluate("window.__violations")
    assert not violations and not console, (violations, console)


def test_charts_draw_under_the_policy(signed_in: Callable[[str], Page]) -> None:
    page, console = _watched(signed_in, "program_manager")
    for path in ("/", "/chain"):  # a Vega-Lite chart and a Vega one
        page.goto(path)
        header = page.context.request.get(page.url).headers["content-security-policy"]
        assert "script-src 'self'" in header
        expect(page.locator("figure.chart .chart-area svg").first).to_be_visible()
    _no_violation(page, console)


def test_htmx_and_the_offline_form_work_under_the_policy(
        signed_in: Callable[[str], Page]) -> None:
    page, console = _watched(signed_in, "program_manager")
    page.goto("/firms")
    expect(page.locator("#firm-results tbody tr").first).to_be_visible()
    page.fill("#q", "zzzz-no-such-firm")  # htmx swaps the results in place
    expect(page).to_have_url(re.compile(r"q=zzzz-no-such-firm"))
    expect(page.locator("#firm-results tbody tr")).to_have_count(0)
    page.goto("/aql?lot_size=1200")
    expect(page.locator("#oc-chart svg")).to_be_visible()
    before = page.locator("#aql-result").inner_text()
    page.select_option("#aql", "0.065")  # htmx asks for the new plan
    expect(page.locator("#aql-result")).not_to_have_text(before)
    page.goto("/assessments/new?stage=screening")
    page.wait_for_function("window.escaleraOffline !== undefined")
    _no_violation(page, console)
