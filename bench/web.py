"""Requests per second of the partnership page and the API's fire call, against a bare
endpoint of the same framework returning a constant, measured in the same run.

    python bench/web.py [--threads 4] [--requests 2000] [--seconds 5]

A real uvicorn serves the application on 127.0.0.1 in a subprocess (SQLite in a temporary
folder); client threads with keep-alive connections load it. Each measurement stops after
`--requests` requests or `--seconds` seconds, whichever comes first. A warm-up pass is thrown
away; then `--rounds` rounds measure every target once each, in an order that turns from round
to round. Only successful requests count (a failed one is reported, not counted as served).
The figures are printed as median [min-max] and as per-round ratios to the bare endpoint,
which absorb the speed of the machine.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TEAM = "kelly.burke@ceop.example"  # partnerships team and head of partnerships
MEMBER = "paul.lever@ceop.example"
PASSWORD = "bench password, long enough"
SECRET = "bench-secret-" + "x" * 40

Request = Callable[[http.client.HTTPConnection, int, int], int]


def _settings(db: Path) -> object:
    from ceop_workflow.config import load_settings

    return load_settings(
        REPO / "config.toml", environ={"CEOP_WORKFLOW_DATABASE_URL": f"sqlite:///{db}"}
    )


def serve(db: Path, port: int) -> None:
    """The subprocess: the application plus a bare constant endpoint, on one uvicorn."""
    import uvicorn

    from ceop_workflow.app.accounts import Accounts
    from ceop_workflow.clock import SystemClock
    from ceop_workflow.config import Settings
    from ceop_workflow.store.db import Database
    from ceop_workflow.web.app import create_app
    from ceop_workflow.wiring import build_service

    settings = _settings(db)
    assert isinstance(settings, Settings)
    database = Database(settings.database.url)
    service = build_service(settings, database, SystemClock())
    app = create_app(service, Accounts(settings, database, SystemClock()), SECRET)

    @app.get("/bare", include_in_schema=False)
    def bare() -> dict[str, bool]:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def seed(db: Path, partnerships: int) -> str:
    """Partnerships made active through the service; returns an API token of the team."""
    from ceop_workflow.app.accounts import Accounts
    from ceop_workflow.app.service import FireRequest
    from ceop_workflow.clock import SystemClock
    from ceop_workflow.config import Settings
    from ceop_workflow.store.db import Database
    from ceop_workflow.wiring import build_service

    settings = _settings(db)
    assert isinstance(settings, Settings)
    database = Database(settings.database.url)
    service = build_service(settings, database, SystemClock())
    service.init()
    accounts = Accounts(settings, database, SystemClock())
    accounts.add_user(TEAM, (), PASSWORD)
    steps = [
        ("start_business_case", TEAM, {}),
        (
            "submit_to_committee",
            TEAM,
            {"title": ["Bench"], "objectives": ["Reach; Trends"], "core_policing": ["false"]},
        ),
        ("approve", MEMBER, {}),
        ("assign_tier", TEAM, {"tier": ["associate"], "start": ["2026-01-05"]}),
    ]
    for n in range(partnerships):
        pid = service.create_partnership(service.add_partner(f"Partner {n}"), "partnership", TEAM)
        for trigger, actor, data in steps:
            service.fire(FireRequest(pid, trigger, actor, data=data))
        service.fire(FireRequest(pid, "escalate", TEAM, data={"reason": ["seed"]}))
        service.fire(FireRequest(pid, "resolve", TEAM, data={"resolution": ["seed"]}))
    token = accounts.create_token(TEAM, "bench")
    database.dispose()
    return token


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def _sign_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/signin")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = response.getheader("set-cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    body = f"email={TEAM}&password={PASSWORD}&csrf_token={token.group(1)}".replace(" ", "+")
    conn.request(
        "POST",
        "/signin",
        body=body.replace("@", "%40").replace(",", "%2C"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 303, response.status
    return response.getheader("set-cookie", "").split(";")[0]


def measure(
    port: int, threads: int, limit: int, seconds: float, call: Request
) -> tuple[int, float, int]:
    """Requests done, seconds taken and failures, over `threads` keep-alive connections."""
    done, failures = [0] * threads, [0] * threads
    stop = time.monotonic() + seconds
    per_thread = limit // threads

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for n in range(per_thread):
            if time.monotonic() > stop:
                break
            if call(conn, index, n) >= 400:
                failures[index] += 1
            done[index] += 1
        conn.close()

    started = time.perf_counter()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(done), time.perf_counter() - started, sum(failures)


def _get(path: str, headers: dict[str, str]) -> Request:
    def call(conn: http.client.HTTPConnection, _index: int, _n: int) -> int:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    return call


def _fire(token: str) -> Request:
    # Each thread works on its own partnership, alternating escalate and resolve. Which comes
    # next is kept across measurements (one may stop between the two) and moves on success.
    bodies = [
        json.dumps({"trigger": "escalate", "data": {"reason": "bench"}}),
        json.dumps({"trigger": "resolve", "data": {"resolution": "bench"}}),
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    escalated: dict[int, bool] = {}

    def call(conn: http.client.HTTPConnection, index: int, _n: int) -> int:
        body = bodies[escalated.get(index, False)]
        conn.request("POST", f"/api/partnerships/{index + 1}/fire", body, headers)
        response = conn.getresponse()
        response.read()
        if response.status < 400:
            escalated[index] = not escalated.get(index, False)
        return response.status

    return call


def main() -> None:
    """Seed, serve, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=2000, help="Per measurement, at most.")
    parser.add_argument("--seconds", type=float, default=5.0, help="Per measurement, at most.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]))
        return
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        # One partnership per client thread for the API's firings, and one more for the page,
        # which those firings must not fill with history as the rounds go by.
        token = seed(db, args.threads + 1)
        page = f"/partnerships/{args.threads + 1}"
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(db), str(port)], env=env, cwd=folder
        )
        try:
            _wait(port, time.monotonic() + 20)
            cookie = _sign_in(port)
            targets = [
                ("bare endpoint      GET /bare", _get("/bare", {})),
                (
                    f"partnership page   GET {page}",
                    _get(page, {"Cookie": cookie}),
                ),
                ("API fire           POST /api/partnerships/N/fire", _fire(token)),
            ]
            for _, call in targets:  # warm up caches, connections and the threadpool
                measure(port, args.threads, 20 * args.threads, 5, call)
            rates: dict[str, list[float]] = {name: [] for name, _ in targets}
            failures = dict.fromkeys(rates, 0)
            for round_ in range(args.rounds):
                turn = round_ % len(targets)
                for name, call in targets[turn:] + targets[:turn]:
                    count, took, failed = measure(
                        port, args.threads, args.requests, args.seconds, call
                    )
                    rates[name].append((count - failed) / took)
                    failures[name] += failed
        finally:
            server.terminate()
            server.wait(timeout=10)
    bare = rates[targets[0][0]]
    print(
        f"uvicorn on 127.0.0.1, {args.threads} client threads with keep-alive, SQLite; "
        f"{args.rounds} rounds, median [min-max]"
    )
    for name, found in rates.items():
        ratios = [rate / b for rate, b in zip(found, bare, strict=True)]
        print(
            f"{name:<52} {statistics.median(found):8.0f} req/s [{min(found):.0f}-{max(found):.0f}]"
            f" ({failures[name]} failed, not counted)  ratio to bare: "
            f"{statistics.median(ratios):.3f} [{min(ratios):.3f}-{max(ratios):.3f}]"
        )


if __name__ == "__main__":
    main()
