"""The browsing pages (dashboard, firm list and page, chain map, standards and markets), the
chart data they draw in the browser, and the vendored front-end libraries.

Runs over the seeded demo of ``tests/web/conftest.py`` (SQLite or PostgreSQL)."""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import pairwise
from pathlib import Path

import polars as pl
import pytest
from fastapi import FastAPI
from markupsafe import escape

from escalera.config import Settings
from escalera.demo.furniture import PRODUCT
from escalera.domain.firms import PRODUCER_ROLES, Firm
from escalera.domain.firms import Role as FirmRole
from escalera.domain.ids import firm_id_from_int
from escalera.services import accounts
from escalera.store.evidence import firms_frame
from escalera.store.firms import insert_firms
from escalera.web.api.charts import remembered
from escalera.web.app import create_app
from escalera.web.pages.firms import PAGE_SIZE
from tests.web.conftest import DEMO_FIRMS, ClientFor, TestClient, WebDemo, csrf_of

FURNITURE = PRODUCT.id  # the consultant program's cluster makes wood furniture
ROLES = ("admin", "program_manager", "assessor", "producer", "buyer")
WITH_RAW = ("admin", "program_manager", "assessor", "producer")  # on the demo producer's firm
WITHOUT_RAW = ("buyer", "assessor_other", "producer_other")
VENDOR = Path(__file__).parents[2] / "src/escalera/web/static/vendor"

# Per page, a heading in each language.
HEADINGS = {
    "/": {"es": "Productores por nivel", "en": "Producers per level"},
    "/firms": {"es": "<h1>Empresas</h1>", "en": "<h1>Firms</h1>"},
    "/chain": {"es": "<h1>Mapa de la cadena</h1>", "en": "<h1>Chain map</h1>"},
    "/catalog": {"es": "<h1>Estándares y mercados</h1>", "en": "<h1>Standards and markets</h1>"},
    "firm": {"es": "Niveles y constancias", "en": "Levels and certificates"},
}


def _lang_of(html: str) -> str:
    found = re.search(r'<html lang="([a-z]+)">', html)
    assert found, "no lang attribute on <html>"
    return found.group(1)


def _path(page: str, demo: WebDemo) -> str:
    return f"/firms/{demo.firm_id}" if page == "firm" else page


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(HEADINGS))
def test_page_renders_in_both_languages(client_for: ClientFor, web_demo: WebDemo, role: str,
                                        page: str) -> None:
    client = client_for(role)
    spanish = client.get(_path(page, web_demo))
    assert spanish.status_code == 200, spanish.text[:500]
    assert _lang_of(spanish.text) == "es"
    assert HEADINGS[page]["es"] in spanish.text
    english = client.get(_path(page, web_demo) + "?lang=en")
    assert english.status_code == 200
    assert _lang_of(english.text) == "en"
    assert HEADINGS[page]["en"] in english.text
    assert HEADINGS[page]["es"] not in english.text


@pytest.mark.parametrize("page", ["/", "/firms", "/chain", "/catalog", "firm"])
def test_pages_need_a_signed_in_account(client_for: ClientFor, web_demo: WebDemo,
                                        page: str) -> None:
    answer = client_for("anonymous").get(_path(page, web_demo), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def _headings_in_order(html: str) -> None:
    levels = [int(h) for h in re.findall(r"<h([1-6])[\s>]", html)]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in pairwise(levels):
        assert after <= before + 1, f"heading h{after} after h{before}"


@pytest.mark.parametrize("page", list(HEADINGS))
def test_headings_in_order_and_fields_labelled(client_for: ClientFor, web_demo: WebDemo,
                                               page: str) -> None:
    html = client_for("admin").get(_path(page, web_demo)).text
    _headings_in_order(html)
    for field in re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', html):
        assert f'<label for="{field}">' in html, f"field {field} has no label"


# -------------------------------------------------------------------- raw data on firm page

@pytest.mark.parametrize("role", WITH_RAW)
def test_firm_page_with_raw_access(client_for: ClientFor, web_demo: WebDemo,
                                   role: str) -> None:
    html = client_for(role).get(f"/firms/{web_demo.firm_id}?lang=en").text
    assert f"/api/v1/charts/firms/{web_demo.firm_id}/benchmarks" in html
    assert 'id="assessments-heading"' in html and 'id="inspections-heading"' in html
    assert "/static/vendor/vega-embed.min.js" in html
    assert "are shown only to the firm itself" not in html


@pytest.mark.parametrize("role", WITHOUT_RAW)
def test_firm_page_without_raw_access(client_for: ClientFor, web_demo: WebDemo,
                                      role: str) -> None:
    html = client_for(role).get(f"/firms/{web_demo.firm_id}?lang=en").text
    assert "are shown only to the firm itself" in html
    assert "/benchmarks" not in html
    assert 'id="assessments-heading"' not in html and 'id="inspections-heading"' not in html
    assert 'id="visits-heading"' not in html
    assert ">Current</th>" not in html  # no current values in the gap tables
    assert 'id="levels-heading"' in html and 'id="links-heading"' in html


def test_firm_page_shows_current_values_to_the_firm(client_for: ClientFor,
                                                    web_demo: WebDemo) -> None:
    html = client_for("producer").get(f"/firms/{web_demo.firm_id}?lang=en").text
    if "Gap to the next level" in html:
        assert ">Current</th>" in html


def test_unknown_firm_page_is_404(client_for: ClientFor) -> None:
    answer = client_for("admin").get("/firms/F-0000-0000-0", headers={"accept": "text/html"})
    assert answer.status_code in (404, 400)


@pytest.mark.parametrize("role", WITH_RAW)
def test_benchmark_chart_data_allowed(client_for: ClientFor, web_demo: WebDemo,
                                      role: str) -> None:
    answer = client_for(role).get(f"/api/v1/charts/firms/{web_demo.firm_id}/benchmarks")
    assert answer.status_code == 200
    body = answer.json()
    assert body["firm_id"] == web_demo.firm_id
    for row in body["rows"]:
        assert row["n"] >= body["min_group_size"]
        assert row["p10"] <= row["median"] <= row["p90"]
        assert {"metric", "label", "unit", "value", "percentile_rank"} <= row.keys()


@pytest.mark.parametrize("role", [*WITHOUT_RAW, "anonymous"])
def test_benchmark_chart_data_denied(client_for: ClientFor, web_demo: WebDemo,
                                     role: str) -> None:
    answer = client_for(role).get(f"/api/v1/charts/firms/{web_demo.firm_id}/benchmarks")
    assert answer.status_code == (401 if role == "anonymous" else 403)
    assert "rows" not in answer.json()
    assert answer.json()["error"]["status"] == answer.status_code


# ------------------------------------------------------------------------ chart endpoints

def _producers_per(web_app: FastAPI, column: str) -> Counter[str]:
    with web_app.state.context.transaction() as session:
        firms = firms_frame(session)
    producer = pl.col("roles").list.eval(
        pl.element().is_in(sorted(str(r) for r in PRODUCER_ROLES))).list.any()
    keys = firms.filter(producer).select(
        pl.col("state") if column == "region"
        else pl.col("products").list.first().fill_null("")).to_series().to_list()
    return Counter(keys)


def test_levels_chart_data_leaves_out_small_groups(client_for: ClientFor,
                                                   web_app: FastAPI) -> None:
    body = client_for("buyer").get("/api/v1/charts/levels?lang=en").json()
    k = body["min_group_size"]
    assert k == web_app.state.context.settings.min_group_size
    rows = body["rows"]
    assert rows and {"ladder", "by", "group", "group_label", "group_firms", "standing",
                     "label", "order", "firms"} <= rows[0].keys()
    for by in ("region", "product"):
        sizes = _producers_per(web_app, by)
        shown = {r["group"] for r in rows if r["by"] == by}
        # Groups under k are hidden, and with them the smallest others where needed so that
        # the hidden ones hold k firms together (none is the total minus the shown).
        assert shown <= {g for g, n in sizes.items() if n >= k}
        assert any(n < k for n in sizes.values()) or by == "product"
        for row in rows:
            if row["by"] == by:
                assert row["group_firms"] == sizes[row["group"]] >= k
        hidden = [n for g, n in sizes.items() if g not in shown]
        assert not hidden or (len(hidden) >= 2 and sum(hidden) >= k)
        assert body["suppressed"][by] == {"groups": len(hidden), "firms": sum(hidden)}


def test_the_furniture_cluster_is_a_group_of_its_own_with_its_name(
        client_for: ClientFor, web_app: FastAPI) -> None:
    furniture = _furniture_makers(web_app)
    for lang, name in (("en", "Wood furniture"), ("es", "Muebles de madera")):
        rows = client_for("buyer").get(f"/api/v1/charts/levels?lang={lang}").json()["rows"]
        shown = {(r["group"], r["group_label"], r["group_firms"]) for r in rows
                 if r["by"] == "product"}
        assert (FURNITURE, name, furniture) in shown
        assert ("Michoacán", "Michoacán", furniture) in {
            (r["group"], r["group_label"], r["group_firms"]) for r in rows
            if r["by"] == "region"}


def test_levels_chart_data_follows_the_minimum_group_size(web_app: FastAPI,
                                                          web_settings: Settings,
                                                          client_for: ClientFor) -> None:
    strict = create_app(web_settings.model_copy(update={"min_group_size": 40}))
    client = TestClient(strict)
    client.cookies.set("escalera_session", client_for("admin").cookies["escalera_session"])
    body = client.get("/api/v1/charts/levels").json()
    assert body["min_group_size"] == 40
    assert body["rows"], "the largest regions have more than 40 producers"
    assert all(row["group_firms"] >= 40 for row in body["rows"])
    loose = client_for("admin").get("/api/v1/charts/levels").json()
    assert len({r["group"] for r in loose["rows"]}) > len({r["group"] for r in body["rows"]})
    strict.state.context.engine.dispose()


def test_transitions_chart_data(client_for: ClientFor, web_demo: WebDemo) -> None:
    body = client_for("producer").get("/api/v1/charts/transitions?quarters=4").json()
    assert len(body["dates"]) == 5 and body["dates"][-1] == web_demo.on.isoformat()
    assert body["firms"] >= body["min_group_size"] and body["suppressed"] is False
    for ladder in {r["ladder"] for r in body["rows"]}:
        for day in body["dates"]:
            counted = sum(r["firms"] for r in body["rows"]
                          if r["ladder"] == ladder and r["on"] == day)
            assert counted == body["firms"]
        moves = [m for m in body["moves"] if m["ladder"] == ladder]
        assert len(moves) == 2 * 4 and {m["direction"] for m in moves} == {"up", "down"}
    assert sum(m["firms"] for m in body["moves"] if m["direction"] == "up") > 0


def test_follow_ups_only_of_firms_whose_raw_data_one_reads(client_for: ClientFor,
                                                           web_demo: WebDemo) -> None:
    everyone = client_for("program_manager").get("/api/v1/charts/follow-ups?limit=200").json()
    assert everyone["total"] > 0
    days = [item["last_assessed_on"] for item in everyone["items"]]
    assert days == sorted(days)
    assert all(item["unmet_levels"] for item in everyone["items"])
    own = client_for("producer").get("/api/v1/charts/follow-ups").json()
    assert {item["firm_id"] for item in own["items"]} <= {web_demo.firm_id}
    other = client_for("assessor_other").get("/api/v1/charts/follow-ups").json()
    assert {item["firm_id"] for item in other["items"]} <= {web_demo.other_firm_id}
    assert client_for("buyer").get("/api/v1/charts/follow-ups").json()["total"] == 0
    dashboard = client_for("buyer").get("/?lang=en").text
    assert "Upcoming follow-ups" not in dashboard
    assert "Upcoming follow-ups" in client_for("program_manager").get("/?lang=en").text


def test_chain_chart_data(client_for: ClientFor) -> None:
    client = client_for("buyer")
    body = client.get("/api/v1/charts/chain").json()
    region = body["state"]
    assert body["edges"] and body["nodes"]
    nodes = {n["id"]: n for n in body["nodes"]}
    for edge in body["edges"]:
        assert edge["source"] in nodes and edge["target"] in nodes
        assert region in (nodes[edge["source"]]["state"], nodes[edge["target"]]["state"])
        assert {"type", "type_label", "start", "end", "active"} <= edge.keys()
    assert {"role", "roles", "state", "products", "in_region", "url"} <= body["nodes"][0].keys()
    day = min(e["start"] for e in body["edges"])
    then = client.get(f"/api/v1/charts/chain?state={region}&on={day}").json()
    assert 0 < len(then["edges"]) < len(body["edges"])
    for edge in then["edges"]:
        assert edge["start"] <= day and (edge["end"] is None or day < edge["end"])
    few = client.get(f"/api/v1/charts/chain?state={region}&limit=2").json()
    assert len(few["edges"]) == 2 and few["truncated"] is True
    assert few["total_links"] == len(body["edges"])
    sub = client.get(f"/api/v1/charts/chain?state={region}&type=subcontracting").json()
    assert sub["edges"] and {e["type"] for e in sub["edges"]} == {"subcontracting"}
    assert len(sub["edges"]) < len(body["edges"]) and sub["type"] == "subcontracting"
    assert client.get("/api/v1/charts/chain?type=friendship").status_code == 422
    jeans = client.get(f"/api/v1/charts/chain?state={region}&product=jeans").json()
    for edge in jeans["edges"]:
        assert "jeans" in nodes[edge["source"]]["products"] + nodes[edge["target"]]["products"]


def test_chain_page_lists_the_links_it_draws(client_for: ClientFor) -> None:
    html = client_for("producer").get("/chain?lang=en").text
    region = re.search(r'<option value="([^"]+)" selected>', html)
    assert region
    assert f"/api/v1/charts/chain?state={region.group(1).replace(' ', '+')}" in html
    assert 'id="links-heading"' in html and html.count("<tr>") > 2
    tutelage = client_for("producer").get("/chain?lang=en&type=tutelage").text
    assert '<option value="tutelage" selected>' in tutelage
    assert "type=tutelage" in tutelage and "subcontracting</td>" not in tutelage
    assert '"input": "range"' in html and "Time line: days since the first link" in html
    one_day = client_for("producer").get("/chain?lang=en&on=2025-06-30").text
    assert '"input": "range"' not in one_day  # the map already shows one day
    empty = client_for("producer").get("/chain?lang=en&on=1990-01-01").text
    assert "No link matches these filters." in empty


@pytest.mark.parametrize("path", ["levels", "transitions", "follow-ups", "chain"])
def test_chart_dates_out_of_range_are_refused(client_for: ClientFor, web_demo: WebDemo,
                                              path: str) -> None:
    client = client_for("admin")
    for day in ("0001-01-01", "9999-12-31", "not-a-date"):
        answer = client.get(f"/api/v1/charts/{path}?on={day}")
        assert answer.status_code == 422, (path, day, answer.text[:200])
        assert answer.json()["error"]["code"] == "validation_error"
    benchmarks = client.get(f"/api/v1/charts/firms/{web_demo.firm_id}/benchmarks?on=0001-01-01")
    assert benchmarks.status_code == 422


def test_chart_endpoints_need_an_account(client_for: ClientFor) -> None:
    client = client_for("anonymous")
    for path in ("levels", "transitions", "follow-ups", "chain"):
        assert client.get(f"/api/v1/charts/{path}").status_code == 401


# ----------------------------------------------------------------------- firm list, catalog

def _found(html: str) -> int:
    match = re.search(r"(\d+) firms found", html)
    assert match, "no count of firms found"
    return int(match.group(1))


def _furniture_makers(web_app: FastAPI) -> int:
    """The demo's furniture cluster (seeded with the consultant program), counted."""
    with web_app.state.context.transaction() as session:
        return firms_frame(session).filter(
            pl.col("products").list.contains(FURNITURE)).height


def test_firm_list_filters_and_pages(client_for: ClientFor, web_app: FastAPI) -> None:
    client = client_for("buyer")
    first = client.get("/firms?lang=en").text
    total = _found(first)
    furniture = _furniture_makers(web_app)
    assert furniture > 0  # the garment network plus the consultant program's cluster
    assert total == DEMO_FIRMS + furniture
    assert f"page 1 of {math.ceil(total / PAGE_SIZE)}" in first
    second = client.get("/firms?page=2&lang=en").text
    assert f"page 2 of {math.ceil(total / PAGE_SIZE)}" in second and 'rel="prev"' in second
    puebla = client.get("/firms?state=Puebla&product=jeans&lang=en").text
    assert 0 < _found(puebla) < total
    cluster = client.get(f"/firms?product={FURNITURE}&lang=en").text
    assert f'<option value="{FURNITURE}" selected>Wood furniture</option>' in cluster
    assert _found(cluster) == furniture
    partial = client.get("/firms?q=zzzz-none&lang=en", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.text and "<h1" not in partial.text
    assert 'id="firm-count"' in partial.text and 'hx-swap-oob="true"' in partial.text
    assert 'hx-swap-oob' not in first and 'id="firm-results"' in first
    assert "No firm matches these filters." in partial.text


def test_catalog_page_matches_levels_with_segments(client_for: ClientFor,
                                                   web_app: FastAPI) -> None:
    html = client_for("buyer").get("/catalog?lang=en").text
    catalog = web_app.state.context.catalog
    for ladder in catalog.ladders:
        assert escape(ladder.name.en) in html  # escaped like all text: Buyers&#39; ...
        for level in ladder.levels:
            assert escape(level.name.en) in html
    for segment in catalog.segments:
        assert escape(segment.name.en) in html
        assert f"{segment.min_order_units:,}" in html


# ------------------------------------------------------------------------- vendored files

@pytest.mark.parametrize(("name", "marker"), [
    ("htmx.min.js", "htmx"), ("vega.min.js", 'version="6.4.0"'),
    ("vega-lite.min.js", '"6.5.0"'), ("vega-embed.min.js", "vegaEmbed")])
def test_vendored_library_is_served(client_for: ClientFor, name: str, marker: str) -> None:
    answer = client_for("anonymous").get(f"/static/vendor/{name}")
    assert answer.status_code == 200
    assert "javascript" in answer.headers["content-type"]
    assert marker in answer.text
    stem = name.removesuffix(".min.js")
    assert (VENDOR / f"{stem}.LICENSE").is_file()
    assert f"`{name}`" in (VENDOR / "README.md").read_text(encoding="utf-8")


def test_chart_script_is_served_and_pages_load_it(client_for: ClientFor) -> None:
    assert "vegaEmbed" in client_for("anonymous").get("/static/charts.js").text
    html = client_for("admin").get("/").text
    for script in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert f"/static/vendor/{script}" in html
    assert html.index("vega.min.js") < html.index("vega-lite.min.js") < html.index(
        "vega-embed.min.js") < html.index("/static/charts.js")
    assert "/static/vendor/htmx.min.js" in client_for("admin").get("/firms").text


def test_pages_and_charts_work_on_an_empty_registry(fresh_database_url: str) -> None:
    app = create_app(Settings(database_url=fresh_database_url))
    with app.state.context.transaction() as session:
        accounts.create_user(session, username="vacia", password="una-clave-larga",
                             role="admin", display_name="Vacía")
    client = TestClient(app)
    token = csrf_of(client)
    signed = client.post("/login", data={"username": "vacia", "password": "una-clave-larga",
                                         "csrf_token": token}, follow_redirects=False)
    assert signed.status_code == 303
    for path in ("/", "/firms", "/chain", "/catalog"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/charts/levels").json()["rows"] == []
    transitions = client.get("/api/v1/charts/transitions").json()
    assert transitions["suppressed"] is True and transitions["rows"] == []
    assert client.get("/api/v1/charts/follow-ups").json()["total"] == 0
    assert client.get("/api/v1/charts/chain").json()["edges"] == []
    app.state.context.engine.dispose()


def test_chart_figures_are_remembered_until_the_data_change(fresh_database_url: str) -> None:
    app = create_app(Settings(database_url=fresh_database_url))
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    with app.state.context.transaction() as session:
        assert remembered(app, session, ("figure",), compute) == 1
        assert remembered(app, session, ("figure",), compute) == 1
        assert remembered(app, session, ("other",), compute) == 2
        insert_firms(session, [Firm(id=firm_id_from_int(77), name="Taller Nuevo",
                                    roles=(FirmRole.CONTRACTOR,), state="Puebla")])
        assert remembered(app, session, ("figure",), compute) == 3
    app.state.context.engine.dispose()


def test_chart_labels_follow_accept_language_without_touching_the_session(
        client_for: ClientFor) -> None:
    client = client_for("buyer")
    english = client.get("/api/v1/charts/levels", headers={"Accept-Language": "en"}).json()
    spanish = client.get("/api/v1/charts/levels", headers={"Accept-Language": "es"}).json()
    assert {"Not assessed"} <= {r["label"] for r in english["rows"]}
    assert {"No evaluadas"} <= {r["label"] for r in spanish["rows"]}
    assert _lang_of(client.get("/firms").text) == "es"
    client.get("/api/v1/charts/levels", headers={"Accept-Language": "en"})
    assert _lang_of(client.get("/firms").text) == "es"
    script = client.get("/static/charts.js").text
    assert '"Accept-Language": lang' in script and '"lang="' not in script
