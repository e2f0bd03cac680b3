"""Payer page benchmark: median server time of the payer page (名寄せ) at full scale.

Usage:
    .venv/bin/python bench/payer_page_bench.py [--requests 300] [--seed 1] [--json]

Runs against the database the settings name (DATABASE_URL, or the SQLite file under
SAIKOKU_DATA_DIR, default ./var). When it holds no imported package yet, the full-scale
demo is loaded first (`saikoku demo --no-serve`, about a minute).

Server time is measured in-process with Django's test client: the whole request (URL
routing, middleware, session, permission check, audit entry, queries, template) without
the network. Payers are drawn at random (seeded) from all payers, plus the 30 with the
most bills. The baseline is /healthz (a view that does nothing) in the same run.
With --json the last line is one JSON object of the figures (target: median ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time

from benchlogin import verified_client

# A word of the "what is owed" panel (with the late charges), so that what is timed
# is the payer page itself, not a refusal or a form in its place.
OWED = "延滞金"


def timed(client, url: str, *, expect: str = "") -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or expect.encode() not in response.content:
        raise SystemExit(f"{url} answered {response.status_code} without {expect!r}")
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Count

    from saikoku.core.models import User
    from saikoku.interchange.models import ImportedPackage
    from saikoku.people.models import Resident

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)  # the schema of the code under test
    if not ImportedPackage.objects.exists():
        subprocess.run([sys.executable, "-m", "saikoku", "demo", "--no-serve"], check=True)

    # A supervisor opens any payer directly; an operator without work for the payer is
    # first asked for a reason (purpose-bound access), which is not the page measured.
    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": "supervisor"}
    )
    client = verified_client(supervisor)

    payers = list(
        Resident.objects.filter(assessments__isnull=False).distinct().values_list("pk", flat=True)
    )
    busiest = list(
        Resident.objects.annotate(n=Count("bills")).order_by("-n").values_list("pk", flat=True)[:30]
    )
    rng = random.Random(args.seed)
    sample = rng.sample(payers, min(args.requests, len(payers)))

    for pk in sample[:10]:  # warm caches and connections
        timed(client, f"/payers/{pk}/", expect=OWED)
    page_ms = [timed(client, f"/payers/{pk}/", expect=OWED) for pk in sample]
    busiest_ms = [timed(client, f"/payers/{pk}/", expect=OWED) for pk in busiest]
    baseline_ms = [timed(client, "/healthz") for _ in range(len(sample))]

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    figures = {
        "engine": django.db.connection.vendor,
        "payers": len(payers),
        "requests": len(page_ms),
        "payer_page_median_ms": round(statistics.median(page_ms), 1),
        "payer_page_p95_ms": round(p95(page_ms), 1),
        "busiest_median_ms": round(statistics.median(busiest_ms), 1),
        "baseline_median_ms": round(statistics.median(baseline_ms), 2),
    }
    figures["ratio"] = round(figures["payer_page_median_ms"] / figures["baseline_median_ms"], 1)
    print(f"engine              {figures['engine']} ({figures['payers']:,} payers)")
    print(f"payer page median   {figures['payer_page_median_ms']:7.1f} ms (target ≤ 50)")
    print(f"payer page p95      {figures['payer_page_p95_ms']:7.1f} ms")
    print(f"30 busiest, median  {figures['busiest_median_ms']:7.1f} ms")
    print(f"/healthz median     {figures['baseline_median_ms']:7.2f} ms")
    print(f"ratio               {figures['ratio']:7.1f}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
