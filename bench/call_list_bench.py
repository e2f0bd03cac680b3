"""Call list benchmark: build a list over every payer of a full-scale database.

Usage:
    SAIKOKU_DATA_DIR=/tmp/lists-demo .venv/bin/saikoku demo --no-serve   # once, ≈2 min
    SAIKOKU_DATA_DIR=/tmp/lists-demo .venv/bin/python bench/call_list_bench.py [--runs 3] [--json]
    DATABASE_URL=postgres://… .venv/bin/python bench/call_list_bench.py --json

Runs against the database the settings name (DATABASE_URL, or the SQLite file under
SAIKOKU_DATA_DIR). It needs an imported package (the demo above) and a user with the
supervisor role (the demo creates one; otherwise one is made).

Each run times `call_list_preview` (the live counts) and `call_list_build` (preview
plus saving ≈45,000 entries with the audit entry), inside a transaction that is rolled
back so the database is left as it was. The baseline, in the same run, is the trivial
`SELECT payer_id, SUM(amount - paid_amount) FROM arrears_bill GROUP BY payer_id`: one
pass over the bills, the floor of any per-payer answer. The medians are reported;
with --json the last line is one JSON object with at least payers, build_s,
baseline_s, ratio (target: build_s ≤ 2) and load_1min (the machine's load average).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from saikoku.arrears.models import Assessment
    from saikoku.outreach.lists.selectors import call_list_preview
    from saikoku.outreach.lists.services import call_list_build
    from saikoku.outreach.models import CallListEntry

    payers = Assessment.objects.values("payer_id").distinct().count()
    if not payers:
        raise SystemExit("no payers: run `saikoku demo --no-serve` against this database first")
    users = get_user_model().objects
    actor = users.filter(role="supervisor").first() or users.create_user(
        username="bench-supervisor", role="supervisor"
    )

    baseline_s, preview_s, build_s = [], [], []
    entries = matched = 0
    for _ in range(args.runs):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT payer_id, SUM(amount - paid_amount) FROM arrears_bill GROUP BY payer_id"
            )
            cursor.fetchall()
        baseline_s.append(time.perf_counter() - started)

        now = timezone.now()
        started = time.perf_counter()
        preview = call_list_preview(filters={}, now=now)
        preview_s.append(time.perf_counter() - started)
        matched = preview.matched

        try:
            # durable=True inside call_list_build refuses an outer atomic block, so the
            # build commits and the rows are deleted again below (the audit entry of
            # the build stays: the trail is append-only by design).
            started = time.perf_counter()
            call_list = call_list_build(actor=actor, name="bench", filters={}, now=now)
            build_s.append(time.perf_counter() - started)
            entries = CallListEntry.objects.filter(call_list=call_list).count()
        finally:
            with transaction.atomic():
                CallListEntry.objects.filter(call_list__name="bench").delete()
                call_list.delete()

    figures = {
        "payers": payers,
        "matched": matched,
        "entries": entries,
        "runs": args.runs,
        "database": connection.vendor,
        "baseline_s": round(statistics.median(baseline_s), 3),
        "preview_s": round(statistics.median(preview_s), 3),
        "build_s": round(statistics.median(build_s), 3),
    }
    figures["ratio"] = round(figures["build_s"] / figures["baseline_s"], 1)
    # The machine is shared: the load says how far the times can be trusted.
    figures["load_1min"] = round(os.getloadavg()[0], 2)
    print(f"payers {payers:,}, matched {matched:,}, entries saved {entries:,}")
    print(f"baseline (GROUP BY over bills) {figures['baseline_s']:.3f} s")
    print(f"preview {figures['preview_s']:.3f} s, build {figures['build_s']:.3f} s")
    print(f"ratio build/baseline {figures['ratio']} (target: build ≤ 2 s)")
    print(f"load average (1 min) {figures['load_1min']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
