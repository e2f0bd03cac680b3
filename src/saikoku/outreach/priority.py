"""The call priority: a score a supervisor and an operator can explain in one sentence
per part. docs/outreach.md ("Priority") gives the table; keep the two in step.

The center's point is EARLY contact after the due date (a payer reminded within weeks
pays far more often than one reached after months), so the largest part rewards a
bill that fell due recently. Then the amount overdue (滞納額: an instalment not yet
due counts for nothing, outreach/facts.py), a time bar (消滅時効) coming close,
broken promises and plans, and the number of levies owed.

Every part is a whole number of points from a small table; the total is their sum.
The parts are stored with each list entry (CallListEntry.score_parts) and shown on the
call screen, so the order of a list is never a mystery.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Plan, PlanStatus
from saikoku.outreach.facts import PayerFacts, restrict, unpaid_facts
from saikoku.outreach.models import Promise

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "AMOUNT_POINTS",
    "EARLY_POINTS",
    "PRIORITY_PARTS",
    "ScoreParts",
    "priority_for_payers",
    "score",
]

PRIORITY_PARTS: dict[str, StrOrPromise] = {
    "early": _("納期限後まもない"),
    "amount": _("滞納額"),
    "time_bar": _("時効が近い"),
    "broken_promise": _("納付約束の不履行"),
    "broken_plan": _("分納誓約の不履行"),
    "levies": _("滞納の税目数"),
}

# (up to this many days since the most recent due date passed, points)
EARLY_POINTS: tuple[tuple[int, int], ...] = ((30, 50), (60, 40), (90, 25), (180, 10))
# (owed below this many yen, points); at or above the last bound: AMOUNT_TOP points
AMOUNT_POINTS: tuple[tuple[int, int], ...] = (
    (10_000, 5),
    (50_000, 10),
    (100_000, 15),
    (300_000, 20),
)
AMOUNT_TOP = 25
# (time bar within this many days, points); a bar already passed by this estimate
# scores nothing: the ward's own records (renewals, 完成猶予) decide such bills.
TIME_BAR_POINTS: tuple[tuple[int, int], ...] = ((90, 20), (180, 15), (365, 5))
BROKEN_PROMISE_POINTS = 15
BROKEN_PLAN_POINTS = 10
POINTS_PER_LEVY = 4  # RT, LV, NH: at most 12


@dataclass(frozen=True)
class ScoreParts:
    """Shared between payers with the same points: read it, do not change `parts`."""

    total: int
    parts: dict[str, int] = field(default_factory=dict)


def _band(value: int, table: tuple[tuple[int, int], ...], *, below: bool = False) -> int | None:
    for bound, points in table:
        if (value < bound) if below else (value <= bound):
            return points
    return None


def score(
    facts: PayerFacts | None,
    *,
    today: dt.date,
    broken_promise: bool = False,
    broken_plan: bool = False,
) -> ScoreParts:
    """The score of one payer from their overdue bills and history flags."""
    early = amount = time_bar = levies = 0
    if facts is not None:
        if facts.newest_overdue is not None:
            early = _band((today - facts.newest_overdue).days, EARLY_POINTS) or 0
        amount = _band(facts.owed, AMOUNT_POINTS, below=True) or AMOUNT_TOP
        left = (facts.time_bar_on - today).days
        if left >= 0:
            time_bar = _band(left, TIME_BAR_POINTS) or 0
        levies = POINTS_PER_LEVY * facts.levy_count
    promise = BROKEN_PROMISE_POINTS if broken_promise else 0
    plan = BROKEN_PLAN_POINTS if broken_plan else 0
    return _score_parts(early, amount, time_bar, promise, plan, levies)


@lru_cache(maxsize=4096)
def _score_parts(
    early: int, amount: int, time_bar: int, promise: int, plan: int, levies: int
) -> ScoreParts:
    # A few hundred combinations of points occur among 45,000 payers: one shared
    # object per combination (never modified) spares a list build 45,000 dicts, and
    # lets it encode each combination's JSON once.
    # Keys in PRIORITY_PARTS order (the call screen lists them so).
    parts = {
        "early": early,
        "amount": amount,
        "time_bar": time_bar,
        "broken_promise": promise,
        "broken_plan": plan,
        "levies": levies,
    }
    return ScoreParts(total=early + amount + time_bar + promise + plan + levies, parts=parts)


def broken_payer_ids(payer_ids: set[int] | None) -> tuple[set[int], set[int]]:
    """(payers with a broken promise, payers with a broken plan): two queries."""
    promises = restrict(Promise.objects.filter(status=Promise.Status.BROKEN), "payer_id", payer_ids)
    plans = restrict(Plan.objects.filter(status=PlanStatus.BROKEN), "payer_id", payer_ids)
    return (
        set(promises.values_list("payer_id", flat=True).distinct()),
        set(plans.values_list("payer_id", flat=True).distinct()),
    )


def priority_for_payers(
    payer_ids: Iterable[int],
    *,
    now: dt.datetime,
    groups: dict[int, PayerFacts] | None = None,
) -> dict[int, ScoreParts]:
    """payer id -> score, over all their overdue bills; three queries in all."""
    wanted = set(payer_ids)
    today = timezone.localdate(now)
    if groups is None:
        groups = unpaid_facts(wanted, today=today)
    promises, plans = broken_payer_ids(wanted)
    return {
        pk: score(
            groups.get(pk),
            today=today,
            broken_promise=pk in promises,
            broken_plan=pk in plans,
        )
        for pk in wanted
    }
