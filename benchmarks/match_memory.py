"""Peak memory of an allocation run on the demo, with and without a far-future stored order.

Seeds the test demo (``--firms`` firms, seed 42, as ``tests/web/conftest.py`` does:
network, assessment workflow, inspections, orders and a first run) into a temporary SQLite
file, copies it and stores in the copy one open order due ``--due`` with ``--quantity``
units directly (bypassing the order bounds, as an old database may hold it), then runs
``services.matching.run`` over each database in a process of its own (``--time-limit``
seconds for the solver) and prints one line per run:

    match_memory firms=300 far=none peak_mb=... run_mb=... seconds=... orders=... status=ok
    match_memory firms=300 far=6758-01-01x67000000 peak_mb=... ... status=ok

``peak_mb`` is the child's ``resource.getrusage`` max RSS (the whole process: Python, the
libraries and the database); ``run_mb`` is what the run added to the RSS held before it.
The child's address space is capped at ``--cap-mb`` so that a run that would take the
machine down stops there instead (``status=over_cap``). To measure another version of the
code, put its ``src`` first: ``PYTHONPATH=/path/to/old/src``.

Run: ``.venv/bin/python benchmarks/match_memory.py [--firms 300] [--due 6758-01-01]
[--quantity 67000000] [--time-limit 2] [--cap-mb 6000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _current_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _seed(url: str, firms: int, on: dt.date) -> None:
    from escalera.config import Settings
    from escalera.demo.inspections import seed_inspections
    from escalera.demo.orders import seed_orders
    from escalera.demo.workflow import seed_workflow
    from escalera.services.context import AppContext
    from escalera.services.demo import seed_demo

    context = AppContext(Settings(database_url=url))
    with context.transaction() as session:  # as tests/web/conftest.py seeds the test demo
        seed_demo(session, firms=firms, seed=42, reference_date=on)
        seed_workflow(session, context.catalog, seed=42, reference_date=on, firms=firms,
                      window_days=context.settings.dispute_window_days)
        seed_inspections(session, seed=42, reference_date=on, firms=firms)
        seed_orders(session, context.catalog, reference_date=on)
    context.engine.dispose()


def _store_far(url: str, on: dt.date, due: dt.date, quantity: int) -> None:
    from escalera.config import Settings
    from escalera.domain.orders import Order
    from escalera.services.context import AppContext
    from escalera.store import orders as repo

    context = AppContext(Settings(database_url=url))
    with context.transaction() as session:
        repo.insert_orders(session, [Order(
            id="FAR-1", product="jeans", quantity=quantity, segment="domestic_discount_chains",
            order_date=on, due_date=due, unit_price=150.0)])
    context.engine.dispose()


def _child(url: str, on: dt.date, time_limit: float, cap_mb: int) -> None:
    """One run in this process; prints a JSON line."""
    resource.setrlimit(resource.RLIMIT_AS, (cap_mb * 2**20, cap_mb * 2**20))
    from escalera.config import Settings
    from escalera.services import matching
    from escalera.services.context import AppContext

    context = AppContext(Settings(database_url=url))
    before = _current_mb()
    started = time.perf_counter()
    with context.transaction() as session:
        view = matching.run(session, context.catalog, on=on, time_limit=time_limit,
                            stale_after_days=context.settings.stale_after_days)
    print(json.dumps({"peak_mb": round(_rss_mb()), "run_mb": round(_rss_mb() - before),
                      "seconds": round(time.perf_counter() - started, 1),
                      "orders": len(view.orders)}))


def _measure(url: str, on: dt.date, args: argparse.Namespace) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, "--child", url, "--on", on.isoformat(),
                           "--time-limit", str(args.time_limit), "--cap-mb",
                           str(args.cap_mb)], capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode == 0 and lines:
        return {**json.loads(lines[-1]), "status": "ok"}
    tail = (done.stderr.strip().splitlines() or ["?"])[-1]
    over = "MemoryError" in done.stderr or "memory" in tail.lower() or done.returncode < 0
    return {"peak_mb": f">{args.cap_mb}" if over else "?", "status":
            "over_cap" if over else f"failed({tail[:80]})"}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--due", default="6758-01-01")
    parser.add_argument("--quantity", type=int, default=67_000_000)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--cap-mb", type=int, default=6000)
    parser.add_argument("--child", default="")
    parser.add_argument("--on", default="")
    args = parser.parse_args()
    on = dt.date.fromisoformat(args.on) if args.on else dt.date.today()
    if args.child:
        _child(args.child, on, args.time_limit, args.cap_mb)
        return
    due = dt.date.fromisoformat(args.due)
    with tempfile.TemporaryDirectory(prefix="escalera-match-memory-") as folder:
        plain, far = Path(folder) / "plain.db", Path(folder) / "far.db"
        _seed(f"sqlite:///{plain}", args.firms, on)
        shutil.copyfile(plain, far)
        _store_far(f"sqlite:///{far}", on, due, args.quantity)
        for label, path in (("none", plain), (f"{due}x{args.quantity}", far)):
            found = _measure(f"sqlite:///{path}", on, args)
            print(f"match_memory firms={args.firms} far={label} "
                  + " ".join(f"{k}={v}" for k, v in found.items()), flush=True)


if __name__ == "__main__":
    main()
