"""Concurrent clients against a served demo: errors by kind, latency, lost writes.

Seeds a demo network (``--firms``, default 2,000: firms, assessments, orders and a first
allocation run) into a throwaway database — an SQLite file, and a schema of its own on the
PostgreSQL server of ``--postgres`` — serves it with uvicorn in a subprocess on a loopback
port (one process, as ``escalera serve`` runs it) and runs, for ``--seconds`` each, 1 client
(the baseline), then 10, then 50 concurrent clients (threads with httpx). Each client loops
over a fixed mix: reads (the firm list and a firm through the API with an API token, a
metric's benchmark, the firm list page and a firm page with a session cookie) and writes
(an order as the buyer, a draft assessment as the program manager), 7 reads to 3 writes.

Prints per phase: requests, requests per second, errors by kind (5xx answers, "database is
locked" and pool timeouts counted in the server's log, client timeouts and refused
connections), p50 and p95 latency of reads and of writes, and lost writes (answers 201 whose
order or assessment is not in the database afterwards). The last line printed is one JSON
object with the figures.

Run: ``.venv/bin/python benchmarks/load_concurrency.py [--firms 2000] [--seconds 30]
[--clients 10,50] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import polars as pl
from sqlalchemy import func, select, text

from escalera.config import Settings
from escalera.demo.orders import seed_orders
from escalera.services import accounts
from escalera.services.context import AppContext
from escalera.services.demo import seed_demo
from escalera.store.engine import make_engine
from escalera.store.evidence import firms_frame
from escalera.store.tables import AssessmentRow, OrderRow

API = "/api/v1"
PASSWORD = "carga-concurrente-2026"
SERVER = textwrap.dedent("""
    import socket, sys
    import uvicorn
    from escalera.config import Settings
    from escalera.web.app import create_app
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    print(sock.getsockname()[1], flush=True)
    app = create_app(Settings(database_url=sys.argv[1]))
    config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=75)
    uvicorn.Server(config).run(sockets=[sock])
""")
_CSRF = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')
MIX: tuple[str, ...] = ("api_firms", "api_firm", "write_order", "benchmark", "page_firms",
                        "write_assessment", "page_firm", "api_firm", "write_order",
                        "page_firms")


@dataclass
class Demo:
    """The seeded database: its URL, API tokens, some firm ids and the metric to ask."""

    url: str
    tokens: dict[str, str]
    firms: list[str]


@dataclass
class Phase:
    """What the clients of one phase saw."""

    clients: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"read": [], "write": []})
    errors: Counter[str] = field(default_factory=Counter)
    orders: list[str] = field(default_factory=list)
    assessments: int = 0
    refusals: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def figures(self, log: str, lost: int) -> dict[str, Any]:
        """The phase's figures; ``log`` is what the server logged meanwhile."""
        requests = sum(len(v) for v in self.latencies.values()) + sum(
            n for k, n in self.errors.items() if k.startswith(("timeout", "connection")))
        errors = {**self.errors, "database is locked": log.count("database is locked"),
                  "pool timeout": log.count("QueuePool limit")}
        out: dict[str, Any] = {"clients": self.clients, "requests": requests,
                               "per_s": round(requests / self.seconds, 1),
                               "errors": {k: v for k, v in errors.items() if v},
                               "lost_writes": lost, "refusals": self.refusals}
        for kind, values in self.latencies.items():
            if values:
                cuts = statistics.quantiles(values, n=20) if len(values) > 1 else values * 19
                out[f"{kind}_p50_ms"] = round(statistics.median(values) * 1000, 1)
                out[f"{kind}_p95_ms"] = round(cuts[18] * 1000, 1)
        return out


def seed(url: str, firms: int) -> Demo:
    """A demo network, a buyer and a program manager with API tokens."""
    context = AppContext(Settings(database_url=url))
    on = dt.date.today()
    with context.transaction() as session:
        seed_demo(session, firms=firms, seed=11, reference_date=on)
        seed_orders(session, context.catalog, reference_date=on, time_limit=5)
        frame = firms_frame(session)
        retailer = frame.filter(pl.col("roles").list.contains("retailer"))["firm_id"][0]
        tokens = {}
        for username, role, firm in (("carga-compras", "buyer", retailer),
                                     ("carga-gestora", "program_manager", None)):
            row = accounts.create_user(session, username=username, password=PASSWORD,
                                       role=role, firm_id=firm)
            tokens[role] = accounts.create_token(session, row, "load test")
    context.engine.dispose()
    return Demo(url, tokens, frame["firm_id"].head(200).to_list())


@contextmanager
def served(url: str, log: Path) -> Iterator[str]:
    """The application over ``url`` in a subprocess; yields its base URL."""
    with log.open("w") as errors:
        process = subprocess.Popen([sys.executable, "-c", SERVER, url],
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
        assert process.stdout is not None
        base = f"http://127.0.0.1:{int(process.stdout.readline())}"
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def session_cookie(base: str) -> dict[str, str]:
    """Sign in through the login form as the program manager; its cookies."""
    with httpx.Client(base_url=base, timeout=60) as client:
        token = _CSRF.search(client.get("/login").text)
        assert token
        client.post("/login", data={"username": "carga-gestora", "password": PASSWORD,
                                    "csrf_token": token.group(1), "next": "/"})
        return dict(client.cookies)


def client_loop(base: str, demo: Demo, cookies: dict[str, str], phase: Phase, name: str,
                until: float) -> None:
    """One client: the mix, over and over, until ``until``."""
    buyer = {"Authorization": f"Bearer {demo.tokens['buyer']}"}
    manager = {"Authorization": f"Bearer {demo.tokens['program_manager']}"}
    due = (dt.date.today() + dt.timedelta(days=120)).isoformat()
    numbers = count()
    with httpx.Client(base_url=base, timeout=60) as api, httpx.Client(
            base_url=base, timeout=60, cookies=cookies) as browser:
        while time.perf_counter() < until:
            for step in MIX:
                n = next(numbers)
                firm = demo.firms[n % len(demo.firms)]
                ref = f"{name}-{n}"
                kind = "write" if step.startswith("write") else "read"
                started = time.perf_counter()
                try:
                    if step == "api_firms":
                        answer = api.get(f"{API}/firms", headers=manager,
                                         params={"limit": 50, "offset": n % 500})
                    elif step == "api_firm":
                        answer = api.get(f"{API}/firms/{firm}", headers=buyer)
                    elif step == "benchmark":
                        answer = api.get(f"{API}/benchmarks", headers=manager,
                                         params={"metric": "defect_rate_pct"})
                    elif step == "page_firms":
                        answer = browser.get("/firms", params={"page": 1 + n % 5})
                    elif step == "page_firm":
                        answer = browser.get(f"/firms/{firm}")
                    elif step == "write_order":
                        answer = api.post(f"{API}/orders", headers=buyer, json={
                            "id": ref, "product": "jeans", "quantity": 500 + n % 700,
                            "segment": "domestic_discount_chains", "due_date": due,
                            "unit_price": 150.0})
                    else:
                        answer = api.post(f"{API}/assessments", headers=manager, json={
                            "firm_id": firm, "stage": "diagnostic"})
                except httpx.TimeoutException:
                    with phase.lock:
                        phase.errors["timeout"] += 1
                    continue
                except httpx.TransportError as exc:
                    with phase.lock:
                        phase.errors[f"connection ({type(exc).__name__})"] += 1
                    continue
                took = time.perf_counter() - started
                with phase.lock:
                    phase.latencies[kind].append(took)
                    if answer.status_code >= 500:
                        phase.errors["5xx"] += 1
                    elif answer.status_code >= 400:
                        phase.errors[f"{answer.status_code} {step}"] += 1
                        phase.refusals.setdefault(f"{answer.status_code} {step}",
                                                  answer.text[:200])
                    elif step == "write_order":
                        phase.orders.append(ref)
                    elif step == "write_assessment":
                        phase.assessments += 1
                if time.perf_counter() >= until:
                    break


def stored(url: str, orders: list[str]) -> tuple[int, int]:
    """How many of ``orders`` are stored, and how many assessments there are."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            found = 0
            for start in range(0, len(orders), 500):
                found += int(conn.scalar(select(func.count(OrderRow.id)).where(
                    OrderRow.public_id.in_(orders[start:start + 500]))) or 0)
            return found, int(conn.scalar(select(func.count(AssessmentRow.id))) or 0)
    finally:
        engine.dispose()


def run_phase(base: str, demo: Demo, cookies: dict[str, str], clients: int, seconds: float,
              log: Path, tag: str) -> dict[str, Any]:
    """``clients`` concurrent clients for ``seconds``; the phase's figures."""
    phase = Phase(clients)
    _orders, assessments_before = stored(demo.url, [])
    logged = log.stat().st_size
    started = time.perf_counter()
    until = started + seconds
    threads = [threading.Thread(target=client_loop,
                                args=(base, demo, cookies, phase, f"L{tag}{clients}-{i}", until))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    phase.seconds = time.perf_counter() - started
    found, assessments_after = stored(demo.url, phase.orders)
    lost = (len(phase.orders) - found) + max(
        0, phase.assessments - (assessments_after - assessments_before))
    with log.open() as handle:
        handle.seek(logged)
        return phase.figures(handle.read(), lost)


def run_database(label: str, url: str, firms: int, seconds: float, clients: list[int],
                 folder: Path) -> dict[str, Any]:
    """Seed, serve, and run the baseline then each number of clients."""
    started = time.perf_counter()
    demo = seed(url, firms)
    seeded = round(time.perf_counter() - started, 1)
    log = folder / f"{label}.log"
    phases = []
    with served(url, log) as base:
        cookies = session_cookie(base)
        for number in [1, *clients]:
            figures = run_phase(base, demo, cookies, number, seconds, log, label[0])
            print(label, json.dumps(figures), flush=True)
            phases.append(figures)
    return {"database": label, "firms": firms, "seed_s": seeded, "phases": phases}


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema on ``url``'s server, dropped afterwards; yields a URL selecting it."""
    schema = f"escalera_load_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    """Parse the arguments, run every database, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--postgres", default="", help="PostgreSQL server URL (optional).")
    parser.add_argument("--mix", default="", help="Comma-separated steps instead of the mix.")
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",") if c]
    if args.mix:
        global MIX
        MIX = tuple(args.mix.split(","))
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_before": os.getloadavg()[0], "runs": []}
    with tempfile.TemporaryDirectory(prefix="escalera-load-") as temp:
        folder = Path(temp)
        results["runs"].append(run_database("sqlite", f"sqlite:///{folder / 'load.db'}",
                                            args.firms, args.seconds, clients, folder))
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                results["runs"].append(run_database("postgresql", url, args.firms,
                                                    args.seconds, clients, folder))
    results["load_after"] = os.getloadavg()[0]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
