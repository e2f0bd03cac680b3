"""Reports benchmark: the results dashboard's server time and the monthly report's
production time and memory, at full scale.

Usage:
    .venv/bin/python bench/report_bench.py [--requests 20] [--json]
    DATABASE_URL=postgres://… .venv/bin/python bench/report_bench.py --json

Runs against the database the settings name (DATABASE_URL, or the SQLite file under
SAIKOKU_DATA_DIR, default ./var), migrated first. When it holds no imported package
yet, the full-scale demo is loaded first (`saikoku demo --no-serve`, a few minutes).

- activity: the demo holds the ward's data but no month of the center's work, so the
  bench writes one into the month before today when it holds fewer than `--activity`
  contact records (default 30,000: 20 operators × 75 calls × 20 working days; about a
  third reach the payer, a tenth of those promise to pay today), spread over the
  month's working hours, as plain rows (bulk_create: the figures read the records,
  not how they were written; a bench database only);
- dashboard: GET /reports/ for that month (every figure of every channel, the
  charts), and GET /reports/effect/ (the channels' effect against
  comparable payers not contacted), as a supervisor (every levy), in-process with
  Django's test client: the whole request without the network. The baseline is
  /healthz in the same run (target: dashboard median ≤ 1 s).
- monthly report: `monthly_report_files` for that month, the xlsx and the PDF, as
  `saikoku report monthly` writes them (target ≤ 30 s), with the process's peak
  resident memory before and after (ru_maxrss).

With --json the last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time

from benchlogin import verified_client


def timed(client, url: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} answered {response.status_code}")
    return elapsed * 1000


def ensure_activity(first_day, last_day, count: int, rng: random.Random) -> int:
    """Writes contact records into the month until it holds `count`; returns how many."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from saikoku.arrears.calendar import is_holiday
    from saikoku.core.dates import TOKYO
    from saikoku.outreach.models import Channel, ContactRecord, Party
    from saikoku.people.models import Resident

    start = dt.datetime.combine(first_day, dt.time(), TOKYO)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), TOKYO)
    missing = count - ContactRecord.objects.filter(at__gte=start, at__lt=end).count()
    if missing <= 0:
        return 0
    users = get_user_model()
    operators = [
        users.objects.get_or_create(username=f"bench_rep{n:02d}", defaults={"role": "operator"})[0]
        for n in range(1, 21)
    ]
    payers = list(
        Resident.objects.filter(bills__isnull=False).distinct().values_list("pk", flat=True)
    )
    days = [
        first_day + dt.timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if (first_day + dt.timedelta(days=n)).weekday() < 5
        and not is_holiday(first_day + dt.timedelta(days=n))
    ]
    rows = []
    for _ in range(missing):
        day = rng.choice(days)
        opening = dt.datetime.combine(day, dt.time(9), TOKYO)
        at = opening + dt.timedelta(seconds=rng.randrange(11 * 3600))
        reached = rng.random() < 0.35
        promised = reached and rng.random() < 0.1
        rows.append(
            ContactRecord(
                payer_id=rng.choice(payers),
                at=at,
                channel=Channel.OUTBOUND_CALL,
                operator=rng.choice(operators),
                party=Party.SELF if reached else Party.NONE,
                identity_verified=reached,
                outcome=(
                    "will_pay_today" if promised else "contacted_payer" if reached else "no_answer"
                ),
            )
        )
    ContactRecord.objects.bulk_create(rows, batch_size=2000)
    if connection.vendor == "postgresql":
        # What autovacuum does shortly after such a write: plans need the new size.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE outreach_contactrecord")
    return missing


def peak_mib() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--activity", type=int, default=30_000, help="contact records a month")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from saikoku.core.models import User
    from saikoku.interchange.models import ImportedPackage
    from saikoku.reports.monthly import monthly_report_files

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)  # the schema of the code under test
    if not ImportedPackage.objects.exists():
        subprocess.run([sys.executable, "-m", "saikoku", "demo", "--no-serve"], check=True)

    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": "supervisor"}
    )
    client = verified_client(supervisor)
    last_day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    first_day = last_day.replace(day=1)
    written = ensure_activity(first_day, last_day, args.activity, random.Random(args.seed))
    month = first_day.strftime("%Y-%m")
    period = {"start": first_day.isoformat(), "end": last_day.isoformat()}

    for url in ("/reports/", "/reports/effect/"):  # warm caches and connections
        timed(client, url, period)
    dashboard = [timed(client, "/reports/", period) for _ in range(args.requests)]
    effect = [timed(client, "/reports/effect/", period) for _ in range(args.requests)]
    baseline = [timed(client, "/healthz") for _ in range(args.requests * 10)]

    memory_before = peak_mib()
    started = time.perf_counter()
    workbook, pdf = monthly_report_files(month)
    monthly_s = time.perf_counter() - started
    memory_after = peak_mib()

    base = statistics.median(baseline)
    figures = {
        "engine": django.db.connection.vendor,
        "month": month,
        "contact_records_written": written,
        "requests": args.requests,
        "baseline_median_ms": round(base, 2),
        "dashboard_median_ms": round(statistics.median(dashboard), 1),
        "dashboard_max_ms": round(max(dashboard), 1),
        "effect_median_ms": round(statistics.median(effect), 1),
        "effect_max_ms": round(max(effect), 1),
        "dashboard_ratio": round(statistics.median(dashboard) / base, 1),
        "monthly_report_s": round(monthly_s, 2),
        "monthly_xlsx_kib": len(workbook) // 1024,
        "monthly_pdf_kib": len(pdf) // 1024,
        "peak_rss_before_mib": round(memory_before, 1),
        "peak_rss_after_mib": round(memory_after, 1),
    }
    print(f"engine              {figures['engine']}, month {month}")
    print(
        f"dashboard           median {figures['dashboard_median_ms']:8.1f} ms,"
        f" max {figures['dashboard_max_ms']:8.1f} ms (target median ≤ 1000)"
    )
    print(
        f"effect page         median {figures['effect_median_ms']:8.1f} ms,"
        f" max {figures['effect_max_ms']:8.1f} ms"
    )
    print(f"/healthz median     {figures['baseline_median_ms']:8.2f} ms")
    print(f"ratio               {figures['dashboard_ratio']:8.1f}  (dashboard median / healthz)")
    print(
        f"monthly report      {monthly_s:8.2f} s (target ≤ 30): xlsx"
        f" {figures['monthly_xlsx_kib']} KiB, PDF {figures['monthly_pdf_kib']} KiB"
    )
    print(f"peak memory         {memory_before:8.1f} MiB before, {memory_after:.1f} MiB after")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
