"""Search benchmark: median and p95 server time of the search box at full scale, by kind.

Usage:
    .venv/bin/python bench/search_bench.py [--requests 300] [--seed 1] [--json]
    DATABASE_URL=postgres://… .venv/bin/python bench/search_bench.py --json

Runs against the database the settings name (DATABASE_URL, or the SQLite file under
SAIKOKU_DATA_DIR, default ./var). When it holds no imported package yet, the full-scale
demo is loaded first (`saikoku demo --no-serve`, about a minute).

Server time is measured in-process with Django's test client: the whole request to
/search/ (middleware, session, classification, the count and the page query, audit
entry, template) without the network. Each kind gets its own queries drawn at random
(seeded) from the payers, as an operator types them on the phone:

- kana: the family name's reading, in hiragana or katakana (さとう, サトウ);
- kanji: the family name as written (佐藤, mostly two characters: shorter than a
  trigram, the hardest case for the index);
- phone: a number of the payer with hyphens (090-1234-5678);
- birth date: the payer's birth date (1975-04-12);
- resident number: the payer's 12 digits.

Every query must list at least one payer, so what is timed is a search that found
something. The baseline is /healthz (a view that does nothing) in the same run.
With --json the last line is one JSON object of the figures (target: every kind's
median ≤ 30 ms).
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

# Marks a result line of the search page: a search that found nobody does not count.
RESULT_ROW = "data-result-row"
KINDS = ("kana", "kanji", "phone", "birth_date", "resident_no")


def timed(client, url: str, params: dict | None = None, *, expect: str = "") -> float:
    started = time.perf_counter()
    response = client.get(url, params or {})
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or expect.encode() not in response.content:
        raise SystemExit(f"{url} {params} answered {response.status_code} without {expect!r}")
    return elapsed * 1000


def family_name(full: str) -> str:
    """The part before the first space (ideographic or not): what is typed first."""
    return full.replace("\u3000", " ").split(" ")[0]


def queries(rng: random.Random, count: int) -> dict[str, list[str]]:
    import jaconv

    from saikoku.people.models import Phone, Resident

    payers = list(
        Resident.objects.filter(assessments__isnull=False)
        .distinct()
        .values_list("pk", "resident_no", "name", "name_kana", "birth_date")
    )
    sample = [rng.choice(payers) for _ in range(count)]
    with_phone = dict(
        Phone.objects.filter(
            resident__assessments__isnull=False, is_valid=True, position__isnull=False
        )
        .exclude(raw="")
        .values_list("resident_id", "raw")
    )
    phone_owners = sorted(with_phone)
    kana = [family_name(p[3]) for p in sample]
    return {
        "kana": [jaconv.kata2hira(k) if i % 2 else k for i, k in enumerate(kana)],
        "kanji": [family_name(p[2]) for p in sample],
        "phone": [with_phone[rng.choice(phone_owners)] for _ in range(count)],
        "birth_date": [p[4].isoformat() for p in sample],
        "resident_no": [p[1] for p in sample],
    }


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

    from saikoku.core.models import User
    from saikoku.interchange.models import ImportedPackage
    from saikoku.people.models import Resident

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)  # the schema of the code under test
    if not ImportedPackage.objects.exists():
        subprocess.run([sys.executable, "-m", "saikoku", "demo", "--no-serve"], check=True)

    # A supervisor sees every levy: the search annotates the balance of each.
    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": "supervisor"}
    )
    client = verified_client(supervisor)

    typed = queries(random.Random(args.seed), args.requests)
    for kind in KINDS:  # warm caches and connections
        for query in typed[kind][:5]:
            timed(client, "/search/", {"q": query}, expect=RESULT_ROW)
    times = {
        kind: [timed(client, "/search/", {"q": q}, expect=RESULT_ROW) for q in typed[kind]]
        for kind in KINDS
    }
    baseline_ms = [timed(client, "/healthz") for _ in range(args.requests)]

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    baseline = statistics.median(baseline_ms)
    figures: dict[str, object] = {
        "engine": django.db.connection.vendor,
        "residents": Resident.objects.count(),
        "requests": args.requests,
        "baseline_median_ms": round(baseline, 2),
    }
    for kind in KINDS:
        figures[f"{kind}_median_ms"] = round(statistics.median(times[kind]), 1)
        figures[f"{kind}_p95_ms"] = round(p95(times[kind]), 1)
    slowest = max(statistics.median(times[kind]) for kind in KINDS)
    figures["slowest_median_ms"] = round(slowest, 1)
    figures["ratio"] = round(slowest / baseline, 1)

    print(f"engine              {figures['engine']} ({figures['residents']:,} residents)")
    print(f"{'kind':<20}{'median':>9}{'p95':>10}   ({args.requests} searches each)")
    for kind in KINDS:
        median, high = figures[f"{kind}_median_ms"], figures[f"{kind}_p95_ms"]
        print(f"{kind:<20}{median:7.1f} ms{high:7.1f} ms")
    print(f"slowest median      {figures['slowest_median_ms']:7.1f} ms (target ≤ 30)")
    print(f"/healthz median     {figures['baseline_median_ms']:7.2f} ms")
    print(f"ratio               {figures['ratio']:7.1f}  (slowest median / healthz)")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
