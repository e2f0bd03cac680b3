"""SMS campaign build benchmark: campaigns over every payer of a full-scale database.

Usage (the full-scale demo, built once into a database of its own):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms_fullscale \\
        SAIKOKU_DATA_DIR=/tmp/sms-fullscale .venv/bin/saikoku demo --no-serve   # ≈3 min
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sms_fullscale \\
        SAIKOKU_DATA_DIR=/tmp/sms-fullscale .venv/bin/python bench/sms_build_bench.py \\
        [--runs 3] [--json]

A template speaks for one department and a campaign takes only that department's
levies, so every payer is reached by one campaign per department: each run times
`sms_campaign_create` once per department (its approved template, its levies, a
deadline a fortnight ahead: the audience through the call lists' preview and the one
eligibility function, a mobile number per payer, one message per number, the language
of each payer, the rendered texts, the bulk insert of the messages and the audit entry)
and adds the two, then deletes the campaigns again (their audit entries stay: the trail
is append-only). In the same run, alternately: `call_list_preview` alone for the same
levies (the audience, the floor of any build) and the trivial `SELECT payer_id,
SUM(amount - paid_amount) FROM arrears_bill GROUP BY payer_id`. Medians are reported;
target: build ≤ 3 s. With --json the last line is one JSON object (payers, messages, build_s,
preview_s, baseline_s, ratio build/preview, load_1min).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
    from saikoku.core.models import DEPARTMENT_LEVIES
    from saikoku.outreach.lists.selectors import call_list_preview
    from saikoku.outreach.models import Channel
    from saikoku.sms.campaigns import sms_campaign_create
    from saikoku.sms.models import SmsCampaign, SmsMessage, SmsTemplate

    payers = Assessment.objects.values("payer_id").distinct().count()
    # One approved template per department, without personal placeholders.
    templates = {}
    for template in SmsTemplate.objects.filter(
        status=SmsTemplate.Status.APPROVED, allowed_personal=[]
    ).order_by("pk"):
        templates.setdefault(template.department, template)
    if not payers or set(templates) != set(DEPARTMENT_LEVIES):
        raise SystemExit(
            "no payers or no approved template per department: run `saikoku demo --no-serve`"
        )
    users = get_user_model().objects
    actor = users.filter(role="supervisor").first() or users.create_user(
        username="bench-supervisor", role="supervisor"
    )

    baseline_s, preview_s, build_s = [], [], []
    messages = 0
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
        for department in templates:
            filters = {"levies": list(DEPARTMENT_LEVIES[department])}
            call_list_preview(filters=filters, now=now, channel=Channel.SMS)
        preview_s.append(time.perf_counter() - started)

        built = []
        started = time.perf_counter()
        for department, template in templates.items():
            built.append(
                sms_campaign_create(
                    actor=actor,
                    name=f"bench {department}",
                    template=template,
                    filters={"levies": list(DEPARTMENT_LEVIES[department])},
                    scheduled_at=None,
                    deadline=timezone.localdate(now) + dt.timedelta(days=14),
                    now=now,
                )
            )
        build_s.append(time.perf_counter() - started)
        messages = SmsMessage.objects.filter(campaign__in=built).count()
        with transaction.atomic():
            SmsMessage.objects.filter(campaign__in=built).delete()
            SmsCampaign.objects.filter(pk__in=[c.pk for c in built]).delete()

    figures = {
        "payers": payers,
        "messages": messages,
        "runs": args.runs,
        "database": connection.vendor,
        "baseline_s": round(statistics.median(baseline_s), 3),
        "preview_s": round(statistics.median(preview_s), 3),
        "build_s": round(statistics.median(build_s), 3),
    }
    figures["ratio"] = round(figures["build_s"] / figures["preview_s"], 2)
    # The machine is shared: the load says how far the times can be trusted.
    figures["load_1min"] = round(os.getloadavg()[0], 2)
    print(f"payers {payers:,}, messages {messages:,}")
    print(f"baseline (GROUP BY over bills) {figures['baseline_s']:.3f} s")
    print(f"audience (call_list_preview, channel sms) {figures['preview_s']:.3f} s")
    print(f"campaign build, one per department {figures['build_s']:.3f} s (target ≤ 3 s)")
    print(f"ratio build/audience {figures['ratio']}")
    print(f"load average (1 min) {figures['load_1min']}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
