"""Matchmaking on a real database (SQLite and PostgreSQL), over a registry built by hand
(``tests.matching_registry``) whose levels, capacities and lead times are known without the
code under test: every allocation keeps capacity per month, level, product, minimum share
and maximum split; orders no one can fill are explained, never an exception; an order that
cannot be split has one supplier; working capital and time to market; runs are proposed,
accepted runs hold capacity, accepting twice is refused; explanations are worded in the
interface language when shown."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from tests.matching_registry import (
    ALFA,
    BETA,
    CAPACITY,
    CAPITAL,
    DELTA,
    EPS,
    GAMA,
    INTEG,
    M1,
    M2,
    M3,
    NAMES,
    PRODUCERS,
    PRODUCTS,
    RANK,
    seed,
    window_shares,
)

from escalera.domain.catalog_model import Catalog
from escalera.domain.chain import Link, LinkType
from escalera.domain.orders import Order, OrderError
from escalera.errors import NotFound
from escalera.i18n import current_language, set_language
from escalera.services import matching
from escalera.services.matching import MatchRefused
from escalera.solve.allocation import Weights
from escalera.store import orders as repo
from escalera.store.firms import insert_links
from escalera.store.tables import MatchRunRow, ObservationRow, OrderRow

ON = dt.date(2027, 1, 20)
FEB = (dt.date(2027, 2, 1), dt.date(2027, 2, 28))  # 27 days, all in February
SPAN = (dt.date(2027, 1, 18), dt.date(2027, 3, 8))  # 49 days: 14 Jan, 28 Feb, 7 Mar
TIER_RANK = {"tier_3": 1, "tier_2": 2, "tier_1": 3}
MEMBERS = {INTEG: {M1, M2}}
TIME_LIMIT = 10.0
SEGMENT_LEVEL = {"smaller_us_chains": "tier_2", "domestic_discount_chains": "tier_3"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    before = current_language()
    set_language("en")
    yield
    set_language(before)


@pytest.fixture()
def registry(session: Session) -> Session:
    seed(session)
    return session


def order(oid: str, product: str = "jeans", quantity: int = 1000, level: str = "tier_2",
          window: tuple[dt.date, dt.date] = FEB, **extra: Any) -> Order:
    values: dict[str, Any] = {"ladder": "buyer_tiers", "level": level}
    if "segment" in extra:
        values = {}
    return Order(id=oid, product=product, quantity=quantity, order_date=window[0],
                 due_date=window[1], unit_price=100.0, **values, **extra)


def run(session: Session, catalog: Catalog, orders: list[Order] | None,
        **kw: Any) -> matching.RunView:
    return matching.run(session, catalog, orders=orders, on=ON, time_limit=TIME_LIMIT, **kw)


def by_id(view: matching.RunView) -> dict[str, dict[str, Any]]:
    return {o["order"]: o for o in view.orders}


def assert_rules(view: matching.RunView, orders: list[Order],
                 held: dict[tuple[str, str], float] | None = None) -> None:
    """Recompute every rule from the registry's known facts, not from the screening."""
    outcome = by_id(view)
    load: dict[tuple[str, str], float] = defaultdict(float, held or {})
    for o in orders:
        out = outcome[o.id]
        allocations = out["allocations"]
        units = [a["units"] for a in allocations]
        firms = [a["firm_id"] for a in allocations]
        assert out["filled"] == sum(units) <= o.quantity, o.id
        assert len(set(firms)) == len(firms) <= o.max_producers, o.id
        if o.segment is None and o.ladder != "buyer_tiers":
            assert not allocations, o.id  # no firm here reaches the other ladder's levels
            continue
        required = TIER_RANK[SEGMENT_LEVEL[o.segment] if o.segment else str(o.level)]
        for a in allocations:
            firm = a["firm_id"]
            assert firm in PRODUCERS, (o.id, firm)
            assert o.product in PRODUCTS[firm], (o.id, firm)
            assert RANK[firm] >= required, (o.id, firm)
            assert a["units"] >= max(1, round(o.min_share * o.quantity)), (o.id, firm)
            assert a["delivery_days"] <= o.window_days, (o.id, firm)
            for month, share in window_shares(o.order_date, o.due_date).items():
                load[firm, month] += a["units"] * share
        channels = {a["channel"] for a in allocations}
        if not o.splittable and allocations:
            assert len(channels) == 1, (o.id, channels)
            (channel,) = channels
            if channel == "direct":
                assert len(firms) == 1
            elif channel == "adhoc":
                assert len(firms) <= o.max_pool_members
            else:
                assert set(firms) <= MEMBERS[channel]
        if o.splittable:
            assert channels <= {"direct", *MEMBERS}, channels
    for (firm, month), total in load.items():
        assert total <= CAPACITY[firm] + 1e-6, (firm, month, total)


def test_every_allocation_keeps_the_rules(registry: Session, catalog: Catalog) -> None:
    orders = [
        order("O-FEB", quantity=1500, max_producers=2, min_share=0.3),
        order("O-SPAN", quantity=2500, level="tier_3", window=SPAN, max_producers=3,
              min_share=0.1),
        order("O-SEG", quantity=900, segment="smaller_us_chains", window=SPAN),
        order("O-T1", quantity=300, level="tier_1"),
        order("O-UNI", product="uniforms", quantity=2000, window=SPAN, splittable=False),
        order("O-ADHOC", product="uniforms", quantity=900, splittable=False,
              max_pool_members=2, pool_regions=("Guanajuato",)),
    ]
    view = run(registry, catalog, orders)
    assert_rules(view, orders)
    assert view.state == "proposed" and view.status in {"optimal", "time_limit"}
    assert view.objective >= view.greedy_objective - 1e-9
    assert view.bound >= view.objective - 1e-9 and view.gap >= 0
    assert sum(o["filled"] for o in view.orders) > 0
    # what is stored agrees with what is shown
    stored = repo.run_allocations(registry, repo.run_row_id(view.id))
    shown = sorted((o["order"], a["firm_id"], a["channel"], a["units"])
                   for o in view.orders for a in o["allocations"])
    assert sorted((r["order"], r["firm_id"], r["channel"], r["units"])
                  for r in stored) == shown


def test_an_order_that_cannot_be_split_goes_to_the_integradora(registry: Session,
                                                                catalog: Catalog) -> None:
    """Over 14 January, 28 February and 7 March days, a 600-a-month member can make
    600 * 49 / 28 = 1,050 units; M3 alone (700 a month) 1,225: only the integradora's two
    members together make 2,000."""
    o = order("O-UNI", product="uniforms", quantity=2000, window=SPAN, splittable=False)
    view = run(registry, catalog, [o])
    (out,) = view.orders
    assert out["filled"] == 2000
    assert {a["channel"] for a in out["allocations"]} == {INTEG}
    assert {a["firm_id"] for a in out["allocations"]} == {M1, M2}
    assert all(a["units"] <= 1050 for a in out["allocations"])
    assert_rules(view, [o])


def test_unsplittable_without_a_pool_that_fits_takes_one_producer(registry: Session,
                                                                 catalog: Catalog) -> None:
    o = order("O-ONE", product="uniforms", quantity=700, splittable=False)  # February
    view = run(registry, catalog, [o])
    (out,) = view.orders
    assert out["filled"] == 700
    assert len(out["allocations"]) == 1 or {a["channel"] for a in out["allocations"]} == {
        INTEG}
    assert_rules(view, [o])


def test_orders_no_one_can_fill_are_explained(registry: Session, catalog: Catalog) -> None:
    orders = [
        order("O-BIG", quantity=10_000),  # tier 2 in February: Alfa 1,000 + Beta 800
        order("O-SWEATERS", product="sweaters", quantity=100),
        order("O-RUSH", quantity=100, window=(FEB[0], FEB[0] + dt.timedelta(days=10))),
        Order(id="O-ISO", product="jeans", quantity=100, ladder="regional_state_iso",
              level="iso9001_like", order_date=FEB[0], due_date=FEB[1], unit_price=100.0),
    ]
    view = run(registry, catalog, orders)
    out = by_id(view)
    assert_rules(view, orders)

    def codes(oid: str) -> list[str]:
        return [e["code"] for e in out[oid]["explanations"]]

    big = out["O-BIG"]
    assert big["filled"] <= 1800
    short = next(e for e in big["explanations"] if e["code"] == "capacity_short")
    assert short["params"]["total"] == 1800  # Alfa's 1,000 and Beta's 800 in February
    assert short["params"]["short"] == 10_000 - 1800
    assert {"code": "capacity_unknown", "params": {"count": 1}} in [
        {k: e[k] for k in ("code", "params")} for e in big["explanations"]]  # Épsilon
    # level blocker: Gama (tier 3) is the nearest firm below tier 2, short on on-time delivery
    gama = [e for e in big["explanations"] if e["firm_id"] == GAMA]
    assert gama and gama[0]["code"] == "requirement"
    assert (gama[0]["params"]["item"], gama[0]["params"]["current"],
            gama[0]["params"]["required"]) == ("on_time_delivery_pct", 86.0, 90.0)
    assert NAMES[GAMA] in gama[0]["text"] and GAMA in gama[0]["text"]
    assert "Tier 2" in gama[0]["text"]
    # lead-time blocker: Delta meets tier 2 but needs 40 days + 4 on the road
    delta = [e for e in big["explanations"] if e["firm_id"] == DELTA]
    assert [(e["code"], e["params"]["days"], e["params"]["allowed"]) for e in delta] == [
        ("lead_time", 44, 27)]

    assert codes("O-SWEATERS") == ["no_maker"]
    assert out["O-SWEATERS"]["filled"] == 0 and out["O-SWEATERS"]["allocations"] == []

    rush = out["O-RUSH"]
    assert rush["filled"] == 0 and codes("O-RUSH")[0] == "none_in_time"
    # Alfa, Beta, Delta and Épsilon meet tier 2; none delivers in 10 days
    assert rush["explanations"][0]["params"] == {"count": 4, "allowed": 10}

    iso = out["O-ISO"]
    assert iso["filled"] == 0 and codes("O-ISO")[0] == "none_at_level"
    # Beta is nearest (state standard reached); it lacks a quality system at maturity 3
    beta = [e for e in iso["explanations"] if e["firm_id"] == BETA]
    assert [(e["params"]["item"], e["params"]["current"], e["params"]["required"])
            for e in beta] == [("quality_control_system", 2.0, 3.0)]
    for o in view.orders:
        assert o["filled"] == o["quantity"] or o["explanations"], o["order"]


def test_filled_orders_carry_no_explanations(registry: Session, catalog: Catalog) -> None:
    view = run(registry, catalog, [order("O-SMALL", quantity=500)])
    (out,) = view.orders
    assert out["filled"] == 500 and out["explanations"] == []


def test_working_capital_and_time_to_market(registry: Session, catalog: Catalog) -> None:
    o = order("O-WC", quantity=1800, materials_cost=120.0, payment_days=45)
    view = run(registry, catalog, [o])
    (out,) = view.orders
    assert out["filled"] == 1800  # needs both Alfa (1,000) and Beta (800) in February
    by_firm = {a["firm_id"]: a for a in out["allocations"]}
    assert set(by_firm) == {ALFA, BETA}
    for firm, a in by_firm.items():
        need = a["units"] * 120.0
        assert a["financing_need"] == pytest.approx(need)
        assert a["financing_days"] == 27 + 45
        assert a["financing_cost"] == pytest.approx(need * 0.30 * 72 / 365, abs=0.01)
        assert a["working_capital"] == CAPITAL.get(firm)
    assert by_firm[ALFA]["credit_candidate"] is True  # 120,000 > 100,000 declared
    assert by_firm[BETA]["credit_candidate"] is None  # declared nothing: unknown
    days = max(a["delivery_days"] for a in out["allocations"])
    assert out["delivery_days"] == days == 14 + 4  # own lead time + road to Texas
    weeks = days / 7
    expected = []
    for origin in catalog.sourcing:
        verdict = ("faster" if weeks < origin.weeks_min else
                   "slower" if weeks > origin.weeks_max else "within")
        expected.append((origin.id, verdict))
    assert [(t["origin"], t["verdict"]) for t in out["time_to_market"]] == expected
    assert [t["origin"] for t in out["time_to_market"]] == [
        "mexico", "hungary_italy", "portugal", "brazil_china_indonesia"]


def test_enough_capital_is_no_credit_candidate(registry: Session, catalog: Catalog) -> None:
    view = run(registry, catalog, [order("O-WC", quantity=1800, materials_cost=10.0)])
    alfa = next(a for a in view.orders[0]["allocations"] if a["firm_id"] == ALFA)
    assert alfa["credit_candidate"] is False  # 10,000 of materials, 100,000 declared


def status_of(session: Session, *ids: str) -> dict[str, str]:
    return dict(session.execute(select(OrderRow.public_id, OrderRow.status)
                                .where(OrderRow.public_id.in_(ids))).all())


def test_proposed_then_accepted_holds_capacity(registry: Session, catalog: Catalog) -> None:
    first = run(registry, catalog, [order("O-A", quantity=1800)])
    assert first.state == "proposed"
    row = registry.get(MatchRunRow, repo.run_row_id(first.id))
    assert row is not None and row.state == "proposed"
    assert status_of(registry, "O-A") == {"O-A": "open"}
    assert by_id(first)["O-A"]["filled"] == 1800  # Alfa and Beta at their February capacity

    # a proposed run holds nothing: another order still finds Alfa and Beta
    probe = run(registry, catalog, [order("O-PROBE", quantity=300)])
    assert by_id(probe)["O-PROBE"]["filled"] == 300

    accepted = matching.accept(registry, catalog, first.id)
    assert accepted.state == "accepted" and accepted.id == first.id
    assert status_of(registry, "O-A", "O-PROBE") == {"O-A": "allocated", "O-PROBE": "open"}

    later = run(registry, catalog, [order("O-B", quantity=500),
                                    order("O-C", quantity=500, window=SPAN)])
    out = by_id(later)
    # February is full for Alfa and Beta: neither is eligible, in February or across it
    for oid in ("O-B", "O-C"):
        assert out[oid]["screened"]["blocked_no_capacity_left"] == 2
        assert not {ALFA, BETA} & {a["firm_id"] for a in out[oid]["allocations"]}
    assert out["O-B"]["filled"] == 0 and out["O-B"]["screened"]["eligible"] == 0
    # over 49 days Delta (40 days + 4 on the road) is in time and takes the order
    assert [(a["firm_id"], a["units"]) for a in out["O-C"]["allocations"]] == [(DELTA, 500)]
    with_capacity = next(e for e in out["O-B"]["explanations"]
                         if e["code"] == "none_with_capacity")
    assert with_capacity["params"]["count"] == 2  # Alfa and Beta (Épsilon declared none)
    # held and new units stay within capacity
    held = {(ALFA, "2027-02"): 1000.0, (BETA, "2027-02"): 800.0}
    assert_rules(later, [order("O-B", quantity=500), order("O-C", quantity=500,
                                                             window=SPAN)], held)


def test_capacity_held_only_in_the_months_it_covers(registry: Session,
                                                     catalog: Catalog) -> None:
    first = run(registry, catalog, [order("O-A", quantity=1800)])
    matching.accept(registry, catalog, first.id)
    march = (dt.date(2027, 3, 1), dt.date(2027, 3, 29))
    view = run(registry, catalog, [order("O-MARCH", quantity=1800, window=march)])
    assert view.orders[0]["filled"] == 1800


def test_accepting_twice_is_refused(registry: Session, catalog: Catalog) -> None:
    view = run(registry, catalog, [order("O-A", quantity=500)])
    matching.accept(registry, catalog, view.id)
    with pytest.raises(MatchRefused) as raised:
        matching.accept(registry, catalog, view.id)
    assert view.id in str(raised.value) and "accepted" in str(raised.value)


def test_accepting_a_run_whose_orders_another_run_took_is_refused(
        registry: Session, catalog: Catalog) -> None:
    repo.insert_orders(registry, [order("O-A", quantity=500)])
    one = run(registry, catalog, None)
    two = run(registry, catalog, None)  # the same open order, proposed again
    assert one.id != two.id
    matching.accept(registry, catalog, one.id)
    with pytest.raises(MatchRefused) as raised:
        matching.accept(registry, catalog, two.id)
    assert "O-A" in str(raised.value)
    row = registry.get(MatchRunRow, repo.run_row_id(two.id))
    assert row is not None and row.state == "proposed"


def test_nothing_to_allocate_and_known_ids_are_refused(registry: Session,
                                                       catalog: Catalog) -> None:
    with pytest.raises(MatchRefused):
        run(registry, catalog, None)
    run(registry, catalog, [order("O-A")])
    with pytest.raises(OrderError) as raised:
        run(registry, catalog, [order("O-A")])
    assert "O-A" in str(raised.value)
    with pytest.raises(NotFound):
        matching.show(registry, catalog, "M-999999")


def test_weights_without_fill_leave_orders_unfilled_and_say_why(registry: Session,
                                                                catalog: Catalog) -> None:
    view = run(registry, catalog, [order("O-A", quantity=500)],
               weights=Weights(fill=0.0, cost=1.0))
    (out,) = view.orders
    assert out["filled"] == 0
    found = [e["code"] for e in out["explanations"]]
    assert "weights" in found  # capacity was there; the weights left it unused
    assert not {"capacity_short", "split_limit", "none_with_capacity"} & set(found)


def test_explanations_are_stored_as_codes_and_worded_when_shown(registry: Session,
                                                                catalog: Catalog) -> None:
    view = run(registry, catalog, [order("O-BIG", quantity=10_000)])
    stored = registry.get(MatchRunRow, repo.run_row_id(view.id))
    assert stored is not None
    for e in stored.summary[0]["explanations"]:
        assert "text" not in e and set(e) == {"code", "params", "firm_id"}
    set_language("es")
    spanish = matching.show(registry, catalog, view.id)
    set_language("en")
    english = matching.show(registry, catalog, view.id)
    es_texts = {e["code"] + str(e["firm_id"]): e["text"]
                for e in spanish.orders[0]["explanations"]}
    en_texts = {e["code"] + str(e["firm_id"]): e["text"]
                for e in english.orders[0]["explanations"]}
    assert set(es_texts) == set(en_texts)
    for key in es_texts:
        assert es_texts[key] != en_texts[key], key
    gama_en = en_texts[f"requirement{GAMA}"]
    gama_es = es_texts[f"requirement{GAMA}"]
    assert "Tier 2" in gama_en and "Nivel 2" in gama_es
    assert GAMA in gama_es and NAMES[GAMA] in gama_es
    assert "10000" in en_texts["capacity_shortNone"].replace(",", "")


def test_producers_frame_locates_and_keeps_only_producers(registry: Session) -> None:
    frame = matching.producers_frame(registry)
    ids = set(frame["firm_id"].to_list())
    assert ids >= PRODUCERS and INTEG in ids  # an integradora is a producer role
    assert not ({f for f in ids if f not in PRODUCERS | {INTEG}})
    rows = {r["firm_id"]: r for r in frame.iter_rows(named=True)}
    assert (rows[ALFA]["lat"], rows[ALFA]["lon"]) == pytest.approx((18.462, -97.393))
    assert rows[ALFA]["working_capital"] == 100_000.0 and rows[EPS]["monthly_capacity"] is None
    pools = matching.pools_frame(registry, ON)
    assert sorted(pools.iter_rows()) == [(INTEG, "integradora", M1),
                                         (INTEG, "integradora", M2)]
    assert matching.pools_frame(registry, dt.date(2019, 1, 1)).is_empty()
    assert M3 not in set(pools["producer_id"].to_list())


def test_a_membership_that_ended_is_no_pool(registry: Session) -> None:
    """A link holds until the day before its end (``Link.active_on``); pools agree."""
    ended = Link(source=M3, target=INTEG, type=LinkType.INTEGRADORA_MEMBERSHIP,
                 start=dt.date(2020, 1, 1), end=ON)
    insert_links(registry, [ended])
    assert ended.active_on(ON - dt.timedelta(days=1)) and not ended.active_on(ON)
    assert M3 in set(matching.pools_frame(registry, ON - dt.timedelta(days=1))[
        "producer_id"].to_list())
    assert M3 not in set(matching.pools_frame(registry, ON)["producer_id"].to_list())


def test_a_run_where_no_producer_has_lead_time_evidence(registry: Session,
                                                        catalog: Catalog) -> None:
    """Without any lead time, production cycle or efficiency observed, those columns are
    literals: the run must still give one row per producer (it raised a ShapeError)."""
    registry.execute(delete(ObservationRow).where(ObservationRow.item.in_(
        sorted(matching.EVIDENCE.values()))))
    view = run(registry, catalog, [order("O-NOLEAD", quantity=500)])
    assert by_id(view)["O-NOLEAD"]["order"] == "O-NOLEAD"
