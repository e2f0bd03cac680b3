"""SMS benchmark: a campaign of N messages (30,000) through the `http` provider against
the local fake gateway, with two `saikoku sms worker` processes, on PostgreSQL.

Usage (an empty database; the bench migrates it and loads a ward of N payers):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms_bench \\
        .venv/bin/python bench/sms_bench.py [--payers 30000] [--json]

Measured, in one run, the floor and the system alternately (the machine is shared):
- the floor: the same N POSTs sent by one plain loop (one keep-alive connection),
  before each campaign; the ratios take the fastest floor of the run (the machine's
  speed drifts between runs of the same loop: the conservative choice);
- the campaign: messages per second end to end, from approval to the last gateway
  acknowledgement (claims, the send-time re-check, the POST, the message's state, its
  contact record and audit entry); the ratio campaign/floor;
- duplicates and losses counted at the gateway, which honours the idempotency key;
- the same again with one worker killed (SIGKILL) halfway and restarted;
- the campaign build (audience, one message per number) of N payers.
Targets: ≥ 100 messages/s, ratio ≤ 2, 0 losses, 0 duplicates. The run's figures are
the last line with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.fake_gateway import TOKEN  # noqa: E402
from support.gateway_process import fake_gateway  # noqa: E402
from support.worker_processes import (  # noqa: E402
    campaign_stats,
    environment,
    migrate,
    run_scenario,
    start_worker,
    stop,
    wait_for,
)


def _floor(url: str, payers: int) -> float:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    import django

    django.setup()
    from saikoku.sms.providers.http import HttpProvider

    provider = HttpProvider(url=url, token=TOKEN)
    started = time.perf_counter()
    for i in range(payers):
        provider.send(
            to=f"+8180{3000 + i // 9000:04d}{i % 9000:04d}", text="税務課からのお知らせです。",
            idempotency_key=f"floor-{i}",
            sender="0332094111",
        )  # fmt: skip
    provider.close()
    return time.perf_counter() - started


def _campaign(env: dict, gateway, payers: int, folder: Path, *, kill: bool, again: bool) -> dict:
    before = gateway.stats()
    workers = [start_worker(env, "bench-a"), start_worker(env, "bench-b")]
    try:
        time.sleep(2)  # the workers are up and polling
        args = ["setup", "--payers", str(payers), "--package", str(folder)]
        started = time.perf_counter()
        campaign_id = int(run_scenario(env, *args, *(["--again"] if again else [])))
        approved = time.perf_counter()
        killed = False

        def finished() -> bool:
            nonlocal killed
            sent = gateway.stats()["sent"] - before["sent"]
            if kill and not killed and sent >= payers // 2:
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait()
                workers[0] = start_worker(env, "bench-a2")
                killed = True
            return sent >= payers

        wait_for(finished, timeout=3600, every=0.2)
        acknowledged = time.perf_counter()
        # Messages whose lease ran out after the kill may still be on their way.
        wait_for(
            lambda: campaign_stats(env, campaign_id)["campaign"] == "done", timeout=300, every=1
        )
    finally:
        for worker in workers:
            stop(worker)
    after = gateway.stats()
    result = campaign_stats(env, campaign_id)
    seconds = acknowledged - approved
    return {
        "setup_s": round(approved - started, 1),
        "seconds": round(seconds, 1),
        "per_second": round(payers / seconds, 1),
        "sent": after["sent"] - before["sent"],
        "duplicates": after["duplicates"] - before["duplicates"],
        "losses": payers - (after["refs"] - before["refs"]),
        "records": result["records"],
        "by_status": result["by_status"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payers", type=int, default=30000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must name an empty PostgreSQL database")
    with tempfile.TemporaryDirectory() as folder_name, fake_gateway() as gateway:
        folder = Path(folder_name)
        env = environment(
            database_url=database_url,
            gateway_url=gateway.url,
            folder=folder,
            SAIKOKU_SMS_RATE_PER_SECOND="0",
            SAIKOKU_SMS_BATCH="500",
            SAIKOKU_SMS_CLAIM_SECONDS="20",
        )
        migrate(env)
        load_before = os.getloadavg()[0]
        floor_s = _floor(gateway.url, args.payers)
        plain = _campaign(env, gateway, args.payers, folder, kill=False, again=False)
        floor_again_s = _floor(gateway.url, args.payers)
        killed = _campaign(env, gateway, args.payers, folder, kill=True, again=True)
    best_floor_s = min(floor_s, floor_again_s)
    floor_rate = args.payers / floor_s
    figures = {
        "payers": args.payers,
        "floor_s": round(floor_s, 2),
        "floor_per_second": round(floor_rate, 1),
        "campaign": plain,
        "ratio": round(plain["seconds"] / best_floor_s, 2),
        "floor_again_s": round(floor_again_s, 2),
        "with_kill": killed,
        "ratio_with_kill": round(killed["seconds"] / best_floor_s, 2),
        "load_1min_before": round(load_before, 2),
        "load_1min": round(os.getloadavg()[0], 2),
    }
    for label, seconds in (("floor", floor_s), ("floor again", floor_again_s)):
        print(
            f"{label}: {args.payers:,} POSTs in one loop {seconds:.1f} s "
            f"({args.payers / seconds:.0f}/s)"
        )
    for label, run in (("campaign", plain), ("with a worker killed", killed)):
        print(
            f"{label}: {run['seconds']:.1f} s, {run['per_second']:.0f} messages/s, "
            f"duplicates {run['duplicates']}, losses {run['losses']}, records {run['records']}"
        )
    print(
        f"ratio to the fastest floor: campaign {figures['ratio']}, with a worker killed "
        f"{figures['ratio_with_kill']} (targets: ≥ 100/s, ratio ≤ 2)"
    )
    print(
        f"load average (1 min) {figures['load_1min_before']} before, {figures['load_1min']} after"
    )
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
