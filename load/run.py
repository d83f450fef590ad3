"""The load test (issue 11 part 5), as `make load` runs it:

    python load/run.py --users 50 --time 90s --database-url postgres://app:app@127.0.0.1:5432/app_load

1. drops and creates that PostgreSQL database, migrates it, and loads the demo data, 100,000 of every
   item at MAIN and the users load01..loadNN (`manage.py prepare_load_test`);
2. starts `make serve` (gunicorn, several workers, production settings) on a free port of 127.0.0.1;
3. runs locust headless (load/locustfile.py) with that many users for that long, then stops the server;
4. prints the requests, failures, 5xx, median and p95 (overall and per step), what the app refused on
   purpose (409 lock waits, 422 refusals), and the machine's load;
5. runs `manage.py check_invariants` on the database.

Exits 1 on any failed request, any 5xx (seen by locust or in gunicorn's access log) or any violation.
Everything stays on 127.0.0.1 and stops by itself; the server's log and locust's CSV files are kept in a
temporary folder whose name it prints.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import server

PASSWORD = "load-test"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as rows:
        return list(csv.DictReader(rows))


def ms(value: str) -> str:
    return f"{float(value):.0f}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50, help="simulated users (default 50)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per second (default 10)")
    parser.add_argument("--time", default="90s", help="how long locust runs: 90s, 2m (default 90s)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--accounts", type=int, default=10, help="sign-ins the users share (default 10)")
    parser.add_argument("--database-url", default="postgres://app:app@127.0.0.1:5432/app_load")
    return parser.parse_args()


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    """A database of its own, migrated, with the demo data, stock and the load test's sign-ins."""
    print(f"== preparing {args.database_url} (dropped and created)")
    server.recreate_database(args.database_url)
    server.manage(env, "migrate", "--noinput", "-v0")
    server.manage(env, "prepare_load_test", "--users", str(args.accounts), "--password", PASSWORD)


def run_locust(args: argparse.Namespace, env: dict[str, str], port: int, out: Path) -> tuple[float, tuple]:
    """Serve, run locust headless for the bounded time, stop the server; the seconds and load average."""
    base = f"http://127.0.0.1:{port}"
    print(f"== make serve on {base}, {args.workers} workers (log: {out / 'server.log'})")
    process = server.start(env, port, workers=args.workers, log=out / "server.log")
    locust_env = {
        **os.environ,
        "LOAD_USER_NAMES": ",".join(f"load{n:02d}" for n in range(1, args.accounts + 1)),
        "LOAD_PASSWORD": PASSWORD,
        "LOAD_REPORT": str(out / "refusals.json"),
    }
    command = [
        *(sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py"))),
        *("--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate)),
        *("--run-time", args.time, "--stop-timeout", "30", "--host", base),
        *("--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING"),
    ]
    try:
        server.wait_until_up(process, base + "/login/")
        print(f"== locust: {args.users} users for {args.time}")
        started = time.monotonic()
        subprocess.run(command, env=locust_env, check=False)
        return time.monotonic() - started, os.getloadavg()
    finally:
        server.stop(process)


def print_steps(stats: list[dict], failures: list[dict], refusals: dict[str, int]) -> None:
    print(f"\n== per step (ms)\n{'step':<42} {'requests':>8} {'failed':>6} {'median':>7} {'p95':>7}")
    for row in sorted(stats, key=lambda r: r["Name"]):
        if row["Name"] != "Aggregated":
            print(
                f"{row['Type'] + ' ' + row['Name']:<42} {row['Request Count']:>8} {row['Failure Count']:>6} "
                f"{ms(row['Median Response Time']):>7} {ms(row['95%']):>7}"
            )
    for row in failures:
        print(f"FAILED {row['Occurrences']}x {row['Method']} {row['Name']}: {row['Error'][:200]}")
    print(
        "\n== refused on purpose (not failures): "
        + (", ".join(f"{k} {v}" for k, v in refusals.items()) or "none")
    )


def main() -> int:
    args = parse_args()
    out = Path(tempfile.mkdtemp(prefix="load-"))
    port = server.free_port()
    env = server.production_env(args.database_url, port)
    prepare(args, env)
    elapsed, load = run_locust(args, env, port, out)

    stats = read_csv(out / "locust_stats.csv")
    total = next(row for row in stats if row["Name"] == "Aggregated")
    failures = read_csv(out / "locust_failures.csv")
    locust_5xx = sum(int(row["Occurrences"]) for row in failures if re.match(r"HTTP 5\d\d", row["Error"]))
    access_log = (out / "server.log").read_text(errors="replace")
    server_5xx = len(re.findall(r'" 5\d\d ', access_log))
    refusals = json.loads((out / "refusals.json").read_text()) if (out / "refusals.json").exists() else {}
    print_steps(stats, failures, refusals)

    print("\n== check_invariants")
    invariants = subprocess.run([sys.executable, "manage.py", "check_invariants"], cwd=server.ROOT, env=env)

    requests, failed = int(total["Request Count"]), int(total["Failure Count"])
    print(
        f"\n== load test: {args.users} users, {elapsed:.0f} s, {args.workers} gunicorn workers, "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    summary = (
        f"requests {requests} ({float(total['Requests/s']):.1f}/s), failures {failed}, "
        f"5xx {max(locust_5xx, server_5xx)}, median {ms(total['Median Response Time'])} ms, "
        f"p95 {ms(total['95%'])} ms, refused on purpose {sum(refusals.values())}, "
        f"invariants {'ok' if invariants.returncode == 0 else 'VIOLATED'}"
    )
    ok = requests > 0 and failed == 0 and locust_5xx == server_5xx == 0 and invariants.returncode == 0
    print(("load test passed: " if ok else "load test FAILED: ") + summary)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
