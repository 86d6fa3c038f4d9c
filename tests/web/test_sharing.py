"""A producer shares its raw data with a buyer's firm: the buyer then reads it, and not
after the share is withdrawn; every change is audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from escalera.domain.permissions import Action, Principal, Role, can
from tests.web.conftest import TestClient, WebDemo

API = "/api/v1"


def test_the_policy_lets_a_buyer_read_only_the_firms_that_share_with_it() -> None:
    buyer = Principal(username="b", role=Role.BUYER, firm_id="F-B",
                      shared=frozenset({"F-1"}))
    assert can(buyer, Action.READ_RAW, "F-1")
    assert not can(buyer, Action.READ_RAW, "F-2")
    assert not can(buyer, Action.READ_RAW)  # no firm: no
    assert not can(buyer, Action.SHARE_DATA, "F-1")
    producer = Principal(username="p", role=Role.PRODUCER, firm_id="F-1")
    assert can(producer, Action.SHARE_DATA, "F-1")
    assert not can(producer, Action.SHARE_DATA, "F-2")


def test_a_buyer_reads_raw_data_only_while_it_is_shared(
        web_demo: WebDemo, api_client: Callable[[str], TestClient]) -> None:
    firm, buyer_firm = web_demo.firm_id, web_demo.buyer_firm_id
    producer, buyer, admin = api_client("producer"), api_client("buyer"), api_client("admin")
    assert buyer.get(f"{API}/firms/{firm}/assessments").status_code == 403
    assert buyer.get(f"{API}/firms/{firm}").json()["raw_data"] is False
    assert buyer.post(f"{API}/firms/{firm}/shares",
                      json={"buyer_id": buyer_firm}).status_code == 403
    shared = producer.post(f"{API}/firms/{firm}/shares", json={"buyer_id": buyer_firm})
    try:
        assert shared.status_code == 201, shared.text
        assert buyer_firm in [s["buyer_id"] for s in shared.json()]
        fresh = api_client("buyer")  # the policy is read per request
        assert fresh.get(f"{API}/firms/{firm}/assessments").status_code == 200
        profile = fresh.get(f"{API}/firms/{firm}").json()
        assert profile["raw_data"] is True
        other = web_demo.other_firm_id
        assert fresh.get(f"{API}/firms/{other}/assessments").status_code == 403
    finally:
        gone = producer.delete(f"{API}/firms/{firm}/shares/{buyer_firm}")
    assert gone.status_code == 200
    assert buyer_firm not in [s["buyer_id"] for s in gone.json()]
    assert api_client("buyer").get(f"{API}/firms/{firm}/assessments").status_code == 403
    audit = admin.get(f"{API}/audit", params={"limit": 20}).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    actions = [(e["action"], e["entity_id"]) for e in entries]
    assert ("share", firm) in actions and ("unshare", firm) in actions


@pytest.mark.parametrize("target", ["firm_itself", "producer"])
def test_sharing_with_a_firm_that_is_not_a_buyer_is_refused(
        target: str, web_demo: WebDemo, api_client: Callable[[str], TestClient]) -> None:
    firm = web_demo.firm_id
    not_a_buyer = firm if target == "firm_itself" else web_demo.other_firm_id
    answer = api_client("producer").post(f"{API}/firms/{firm}/shares",
                                          json={"buyer_id": not_a_buyer})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert not_a_buyer in answer.json()["error"]["message"]


def test_the_producer_shares_from_its_firm_page(web_demo: WebDemo,
                                                client_for: Callable[..., TestClient]
                                                ) -> None:
    firm, buyer_firm = web_demo.firm_id, web_demo.buyer_firm_id
    producer = client_for("producer")
    token = producer.headers["x-csrf-token"]
    page = producer.get(f"/firms/{firm}", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'id="sharing-heading"' in page.text
    refused = producer.post(f"/firms/{firm}/shares", data={"buyer_id": buyer_firm,
                                                          "csrf_token": "wrong"},
                            follow_redirects=False)
    assert refused.status_code == 403
    done = producer.post(f"/firms/{firm}/shares", data={"buyer_id": buyer_firm,
                                                       "csrf_token": token},
                         follow_redirects=False)
    try:
        assert done.status_code == 303
        assert buyer_firm in producer.get(f"/firms/{firm}").text
        buyer_page = client_for("buyer").get(f"/firms/{firm}")
        assert 'id="assessments-heading"' in buyer_page.text  # raw sections now shown
        other = client_for("producer").get(f"/firms/{web_demo.other_firm_id}")
        assert 'id="sharing-heading"' not in other.text  # not its firm: no raw data
    finally:
        producer.post(f"/firms/{firm}/shares", data={"buyer_id": buyer_firm, "remove": "1",
                                                     "csrf_token": token})
    assert 'id="assessments-heading"' not in client_for("buyer").get(f"/firms/{firm}").text


def test_program_evaluations_keep_the_effects_contract(
        api_client: Callable[[str], TestClient]) -> None:
    manager = api_client("program_manager")
    listed = manager.get(f"{API}/programs").json()
    assert listed and all("id" in p for p in listed)
    evaluation = manager.get(f"{API}/programs/{listed[0]['id']}/evaluation")
    assert evaluation.status_code == 200, evaluation.text
    for effect in evaluation.json()["effects"]:
        assert {"metric", "estimate", "ci_low", "ci_high", "n_treated",
                "n_control"} <= effect.keys()
    assert api_client("producer").get(
        f"{API}/programs/{listed[0]['id']}/evaluation").status_code == 403
