"""The main paths through the pages, as each role walks them in Chromium: sign in, view a
firm from the dashboard, fill and submit an assessment (one of them offline), run and
accept an allocation, switch language. What the pages claim to have stored is checked in
the database through the services. Full-page screenshots of the main pages land in
test-artifacts/screenshots/. They run in the SQLite pass of the suite only and are skipped
in the PostgreSQL pass: they serve their own demo database (tests/browser/__init__.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from escalera.domain.evidence import Stage
from escalera.services import assessments, matching
from escalera.services.assessments import AssessmentView
from escalera.store.tables import AssessmentRow
from tests.browser.conftest import ACCOUNTS, Site, login, screenshot

pytestmark = pytest.mark.browser

ROLES = tuple(ACCOUNTS)
FIRM_LINK = "main a[href^='/firms/']"


def open_a_firm(page: Page) -> str:
    """From the dashboard, open the first firm it links to (through the firm list when the
    dashboard links to none); returns the firm id."""
    page.goto("/")
    if page.locator(FIRM_LINK).count() == 0:
        page.get_by_role("navigation").locator("a[href='/firms']").click()
        page.wait_for_load_state()
    link = page.locator(FIRM_LINK).first
    firm_id = (link.get_attribute("href") or "").removeprefix("/firms/")
    assert firm_id, "no firm link on the dashboard or the firm list"
    link.click()
    page.wait_for_url(f"**/firms/{firm_id}")
    return firm_id


def stored_assessment(site: Site, notes: str) -> AssessmentView | None:
    """The assessment whose evidence notes are ``notes``, as the services show it."""
    with site.context.transaction() as session:
        found = session.scalars(select(AssessmentRow.public_id)
                                .where(AssessmentRow.notes == notes)).all()
        assert len(found) <= 1, f"{len(found)} assessments with the notes {notes!r}"
        return assessments.show(session, site.context.catalog, found[0]) if found else None


def pick_firm(page: Page, index: int) -> str:
    """Choose the ``index``-th firm of the assessor's picker; returns its id."""
    firm = page.locator("#firm option").nth(index).get_attribute("value")
    assert firm, "the assessor has no firm to assess"
    page.select_option("#firm", firm)
    return firm


def test_sign_in_page_refuses_a_wrong_password(page: Page) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    screenshot(page, "login")
    page.fill("#username", "gestora")
    page.fill("#password", "not-the-password")
    page.click("form[action='/login'] button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("contraseña")
    assert page.url.endswith("/login")


BROWSE = {"/", "/firms", "/chain", "/catalog", "/aql", "/programs", "/tokens"}
EVERYTHING = BROWSE | {"/assessments/new", "/inspections/new", "/orders", "/import"}
MENUS = {"admin": EVERYTHING, "program_manager": EVERYTHING,
         "assessor": BROWSE | {"/assessments/new", "/inspections/new"},
         "producer": BROWSE, "buyer": BROWSE | {"/orders"}}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_views_a_firm(page: Page, role: str) -> None:
    login(page, role)
    expect(page.locator("h1")).to_have_text("Tablero")
    expect(page.locator("header .who")).to_contain_text(ACCOUNTS[role])
    menu = page.get_by_role("navigation").locator("a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert set(menu) == MENUS[role], f"the menu of {role}"
    page.wait_for_load_state("networkidle")  # charts drawn from the API
    screenshot(page, f"dashboard-{role}")
    firm_id = open_a_firm(page)
    expect(page.locator("h1")).to_contain_text(firm_id)
    expect(page.get_by_role("heading", name="Niveles y constancias")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, f"firm-{role}")
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url("**/login")


def test_a_producer_sees_raw_data_of_its_own_firm_only(
        signed_in: Callable[[str], Page]) -> None:
    page = signed_in("producer")
    own = open_a_firm(page)
    restricted = page.locator("main p.note")
    expect(restricted).to_have_count(0)
    page.goto("/firms")
    others = page.locator(f"{FIRM_LINK}:not([href='/firms/{own}'])")
    expect(others.first).to_be_visible()
    others.first.click()
    page.wait_for_load_state()
    assert own not in page.url
    expect(restricted).to_be_visible()


def test_switching_language_changes_lang_and_headings(
        signed_in: Callable[[str], Page]) -> None:
    page = signed_in("assessor")
    page.goto("/")
    page.wait_for_load_state("networkidle")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Tablero")
    page.locator("header a[hreflang='en']").click()
    page.wait_for_url(re.compile(r"lang=en"))
    page.wait_for_load_state("networkidle")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.get_by_role("navigation")).to_contain_text("Firms")
    # The choice is kept for the next pages.
    page.get_by_role("navigation").locator("a[href='/firms']").click()
    page.wait_for_url("**/firms")
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Firms")
    screenshot(page, "firms-en")
    page.locator("header a[hreflang='es']").click()
    page.wait_for_url(re.compile(r"lang=es"))
    expect(html).to_have_attribute("lang", "es")
    expect(page.locator("h1")).to_have_text("Empresas")


def test_an_api_answer_does_not_undo_the_language_switch(
        signed_in: Callable[[str], Page]) -> None:
    """A chart asked in Spanish that answers after the switch to English (or any API call
    with ?lang=es) must not put the session back to Spanish."""
    page = signed_in("assessor")
    page.goto("/?lang=es")
    page.locator("header a[hreflang='en']").click()
    page.wait_for_url(re.compile(r"lang=en"))
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin is not None
    late = page.context.request.get(origin.group(0) + "/api/v1/charts/levels?lang=es")
    assert late.ok
    page.goto("/firms")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_assessor_fills_and_submits_a_diagnostic(page: Page, site: Site) -> None:
    login(page, "assessor")
    page.get_by_role("navigation").locator("a[href='/assessments/new']").click()
    page.wait_for_url("**/assessments/new")
    page.goto("/assessments/new?stage=diagnostic")
    expect(page.locator("h1")).to_contain_text("diagnóstico")
    firm = pick_firm(page, 1)
    metrics = page.locator("input[name^='metric:']").all()
    for field in metrics:
        top = float(field.get_attribute("data-max") or 1000)
        field.fill(f"{min(top, 90.0) / 2:g}")  # inside every metric's range
    for practice in page.locator("fieldset.question[id^='practice-']").all():
        practice.locator("input[type=radio][value='2']").check()
    notes = f"diagnostic from the browser {uuid.uuid4().hex[:8]}"
    page.fill("#notes", notes)
    screenshot(page, "assessment-diagnostic-filled")
    page.click("#submit-assessment")
    # The level evaluation behind a submission takes a few seconds on a busy machine.
    page.wait_for_url(re.compile(r"/assessments/[^/?]+\?saved=1"), timeout=30_000)
    expect(page.locator("#saved-notice")).to_be_visible()
    shown_id = page.locator("#assessment-id").inner_text()
    screenshot(page, "assessment-saved")
    stored = stored_assessment(site, notes)
    assert stored is not None and stored.id == shown_id
    assert stored.firm_id == firm and stored.stage is Stage.DIAGNOSTIC
    assert str(stored.status) == "submitted"
    assert stored.values["practice"] and set(stored.values["practice"].values()) == {2.0}
    assert len(stored.values["metric"]) == len(metrics)


def test_assessment_made_offline_is_sent_when_the_connection_returns(
        page: Page, context: BrowserContext, site: Site) -> None:
    login(page, "assessor")
    page.goto("/assessments/new?stage=screening")
    page.wait_for_function("window.escaleraOffline !== undefined")
    firm = pick_firm(page, 2)
    context.set_offline(True)
    questions = page.locator("fieldset.question").all()
    assert questions
    for question in questions:
        question.locator("input[type=radio]").first.check()
    notes = f"screening made offline {uuid.uuid4().hex[:8]}"
    page.fill("#notes", notes)
    status = page.locator("#sync-status")
    expect(status).to_have_attribute("data-state", "saved")  # the draft is on the device
    draft = page.evaluate("key => localStorage.getItem(key)",
                          f"escalera:assessment:{firm}:screening")
    assert draft and notes in draft
    page.click("#submit-assessment")
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_contain_text("Sin conexión")
    assert page.evaluate("window.escaleraOffline.queued()") == 1
    assert page.url.endswith("/assessments/new?stage=screening")  # nothing was sent
    screenshot(page, "assessment-offline-queued")
    assert stored_assessment(site, notes) is None
    context.set_offline(False)  # the `online` event sends the queue
    page.wait_for_url(re.compile(r"/assessments/[^/?]+\?saved=1"), timeout=30_000)
    expect(page.locator("#saved-notice")).to_be_visible()
    assert page.evaluate("window.localStorage.getItem('escalera:queue')") in (None, "[]")
    stored = stored_assessment(site, notes)
    assert stored is not None, "the queued assessment never reached the database"
    assert stored.firm_id == firm and stored.stage is Stage.SCREENING
    assert stored.screening is not None and len(stored.screening.answers) == len(questions)
    assert page.locator("#assessment-id").inner_text() == stored.id


def test_program_manager_runs_and_accepts_an_allocation(page: Page, site: Site) -> None:
    login(page, "program_manager")
    page.get_by_role("navigation").locator("a[href='/orders']").click()
    page.wait_for_url("**/orders")
    expect(page.locator("#orders-table tbody tr").first).to_be_visible()
    page.fill("#time_limit", "3")
    page.click("#run-allocation")
    page.wait_for_url(re.compile(r"/orders/runs/[^/?]+$"), timeout=30_000)
    run_id = page.locator("#run-id").inner_text()
    expect(page.locator("#run-state")).to_have_text("propuesta")
    sections = page.locator("section.run-order")
    assert sections.count() > 0
    expect(page.locator("section.run-order table").first).to_be_visible()  # assignments
    expect(page.locator("ul.explanations li").first).to_be_visible()
    screenshot(page, "allocation-run-new")
    page.click("#accept-run")
    page.wait_for_url(re.compile(r"accepted=1"))
    expect(page.locator("#run-notice")).to_be_visible()
    with site.context.transaction() as session:
        stored = matching.show(session, site.context.catalog, run_id)
    assert stored.state == "accepted"
    assert len(stored.orders) == sections.count()


def test_buyer_sees_the_orders_page_without_the_allocation_form(
        signed_in: Callable[[str], Page]) -> None:
    page = signed_in("buyer")
    page.goto("/orders")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#run-form")).to_have_count(0)
    screenshot(page, "orders-buyer")
