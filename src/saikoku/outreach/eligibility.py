"""Who may be contacted at all: the one server-side eligibility function for calls, SMS
and any later channel. The rules always win over a supervisor's filters.

Each rule has a stable code (stored in CallListEntry.excluded_reasons and
CallList.excluded_counts) and a Japanese label. A ward_admin's ContactApproval lifts
exactly the rule it names, for that payer, until its valid_until day (inclusive).

The whole ward (≈45,500 payers) is evaluated with about ten aggregate queries, each
returning only the payers a rule concerns; nothing is read per payer. A few payers
(the batch "Next" looks at) take two queries: the bills, then the payers' flags and
every other rule as an EXISTS per payer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saikoku.arrears.models import Measure, MeasureKind, Plan, PlanStatus
from saikoku.outreach.facts import PayerFacts, all_payer_ids, restrict, unpaid_facts
from saikoku.outreach.models import (
    Channel,
    ContactApproval,
    ContactPreference,
    ContactRecord,
    ContactSettings,
    Party,
    Promise,
)
from saikoku.people.models import Phone, PhoneKind, Resident

__all__ = [
    "CHANNELS",
    "EXCLUSION_RULES",
    "exclusions_for_payer",
    "exclusions_for_payers",
]

# Order matters only for display: the reasons of one payer are listed in this order.
EXCLUSION_RULES: dict[str, str] = {
    # 処理注意者: contact only through the ward (e.g. DV support measures).
    "caution": _("処理注意者"),
    # 公示送達中: the ward could not deliver documents; the address is unknown.
    "public_notice": _("公示送達中"),
    "not_resident": _("不現住"),
    "deceased": _("死亡"),
    # A plan the ward agreed and the payer keeps: a reminder would contradict it.
    "plan_in_good_standing": _("分納誓約を履行中"),
    # 徴収猶予・換価猶予 (地方税法第15条・第15条の5), 滞納処分の停止 (同第15条の7), 破産等:
    # while they run, the ward does not press for payment.
    "deferment_or_suspension": _("猶予・停止中"),
    "nothing_owed": _("未納なし"),
    "do_not_contact": _("連絡不可の希望"),
    "no_callable_number": _("有効な電話番号なし"),
    "cool_down": _("最近本人と接触済み"),
    "promise_pending": _("納付約束の期限前"),
}

CHANNELS = (Channel.OUTBOUND_CALL.value, Channel.SMS.value)
# Up to this many payers exclusions_for_payers reads the rules as EXISTS per payer in
# one query ("Next" asks for a batch of 20); a list build reads each rule's payers.
PER_PAYER_LIMIT = 200

# Measures during which the payer is not reminded (a seizure is not one of them: the
# payer is still asked to pay what the seizure does not cover).
PAUSING_MEASURES = (
    MeasureKind.COLLECTION_DEFERMENT,
    MeasureKind.SALE_DEFERMENT,
    MeasureKind.SUSPENSION,
    MeasureKind.BANKRUPTCY,
)


def _ids(queryset, field: str, payer_ids: set[int] | None) -> set[int]:
    return set(restrict(queryset, field, payer_ids).values_list(field, flat=True).distinct())


def callable_payer_ids(payer_ids: set[int] | None, *, channel: str) -> set[int]:
    """Payers with a number the center may use: valid, with an E.164 form, and not
    marked wrong or out of service by an operator; for SMS a mobile number."""
    return _ids(_callable_phones(channel), "resident_id", payer_ids)


def _callable_phones(channel: str) -> QuerySet[Phone]:
    phones = Phone.objects.filter(is_valid=True, center_status__isnull=True).exclude(e164="")
    if channel == Channel.SMS:
        phones = phones.filter(kind=PhoneKind.MOBILE)
    return phones


def _approvals(payer_ids: set[int] | None, today: dt.date) -> dict[int, set[str]]:
    valid = ContactApproval.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    result: dict[int, set[str]] = {}
    for payer_id, rule in restrict(valid, "payer_id", payer_ids).values_list("payer_id", "rule"):
        result.setdefault(payer_id, set()).add(rule)
    return result


def _related_rules(
    *, channel: str, now: dt.datetime, contact: ContactSettings
) -> dict[str, tuple[QuerySet, str]]:
    """The rules read from other tables than the payer's own row: rule code -> (the
    rows that make the rule hit, their payer field). "callable" is the opposite: the
    payers it finds are the ones no_callable_number spares."""
    today = timezone.localdate(now)
    preference = Q(do_not_text=True) if channel == Channel.SMS else Q(do_not_call=True)
    return {
        "plan_in_good_standing": (Plan.objects.filter(status=PlanStatus.ACTIVE), "payer_id"),
        "deferment_or_suspension": (
            Measure.objects.filter(kind__in=PAUSING_MEASURES, start_on__lte=today).filter(
                Q(end_on__isnull=True) | Q(end_on__gte=today)
            ),
            "payer_id",
        ),
        "do_not_contact": (ContactPreference.objects.filter(preference), "payer_id"),
        "callable": (_callable_phones(channel), "resident_id"),
        # Reached in person recently: a new call within the cool-down is pressure, not
        # a reminder (the ward's guidance on 催告 frequency).
        "cool_down": (
            ContactRecord.objects.filter(
                party=Party.SELF, at__gte=now - dt.timedelta(days=contact.cool_down_days)
            ),
            "payer_id",
        ),
        # The payer promised a date: wait until it (plus the grace days) has passed.
        "promise_pending": (
            Promise.objects.filter(
                status=Promise.Status.OPEN,
                promised_on__gte=today - dt.timedelta(days=contact.promise_grace_days),
            ),
            "payer_id",
        ),
    }


def rule_hits(
    payer_ids: set[int] | None,
    *,
    channel: str,
    now: dt.datetime,
    groups: dict[int, PayerFacts] | None = None,
    universe: set[int] | None = None,
    contact_settings: ContactSettings | None = None,
    per_payer: bool = False,
) -> dict[str, set[int]]:
    """rule code -> payers the rule excludes, before approvals.

    `groups` lets a caller that already read the unpaid bills (lists.py) pass them in.
    Only "nothing_owed" needs the universe of payers; every other rule reads just the
    payers it concerns. `contact_settings`: the rules row, when the caller holds it.
    `per_payer` (a few given payers): one query for all the rules, each an EXISTS on
    the payer, instead of one query per rule.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    today = timezone.localdate(now)
    contact = contact_settings or ContactSettings.current()
    if groups is None:
        groups = unpaid_facts(payer_ids, today=today)
    if universe is None:
        universe = set(payer_ids) if payer_ids is not None else all_payer_ids()
    hits: dict[str, set[int]] = {code: set() for code in EXCLUSION_RULES}
    hits["nothing_owed"] = {pk for pk in universe if pk not in groups}
    related = _related_rules(channel=channel, now=now, contact=contact)
    flags = ("caution", "public_notice", "not_resident", "deceased_on")
    residents = Resident.objects.all()
    if per_payer and payer_ids is not None:
        # A small batch ("Next"): the flags and every rule kept in other tables in one
        # query, instead of one round trip per rule.
        rows = (
            residents.filter(pk__in=payer_ids)
            .annotate(
                **{
                    f"hit_{code}": Exists(queryset.filter(**{field: OuterRef("pk")}))
                    for code, (queryset, field) in related.items()
                }
            )
            .values_list("pk", *flags, *(f"hit_{code}" for code in related))
        )
        found: dict[str, set[int]] = {code: set() for code in related}
        flagged = []
        for pk, *values in rows:
            flagged.append((pk, *values[: len(flags)]))
            for code, hit in zip(related, values[len(flags) :], strict=True):
                if hit:
                    found[code].add(pk)
    else:
        flagged = list(
            restrict(
                residents.filter(
                    Q(caution=True)
                    | Q(public_notice=True)
                    | Q(not_resident=True)
                    | Q(deceased_on__isnull=False)
                ),
                "pk",
                payer_ids,
            ).values_list("pk", *flags)
        )
        found = {
            code: _ids(queryset, field, payer_ids) for code, (queryset, field) in related.items()
        }
    for pk, caution, public_notice, not_resident, deceased_on in flagged:
        if caution:
            hits["caution"].add(pk)
        if public_notice:
            hits["public_notice"].add(pk)
        if not_resident:
            hits["not_resident"].add(pk)
        if deceased_on is not None:
            hits["deceased"].add(pk)
    for code, ids in found.items():
        if code == "callable":
            hits["no_callable_number"] = universe - ids
        else:
            hits[code] = ids
    if payer_ids is not None:
        for code, payers in hits.items():
            hits[code] = payers & universe
    return hits


def exclusions_from_hits(
    hits: dict[str, set[int]], universe: Iterable[int], *, approvals: dict[int, set[str]]
) -> dict[int, list[str]]:
    result: dict[int, list[str]] = {pk: [] for pk in universe}
    for code, found in hits.items():
        for pk in found:
            if code in approvals.get(pk, ()):
                continue
            reasons = result.get(pk)
            if reasons is not None:
                reasons.append(code)
    return result


def exclusions_for_payers(
    payer_ids: Iterable[int] | None,
    *,
    channel: str,
    now: dt.datetime,
    groups: dict[int, PayerFacts] | None = None,
    contact_settings: ContactSettings | None = None,
) -> dict[int, list[str]]:
    """payer id -> rule codes that exclude the payer now ([] = may be contacted).

    payer_ids None means every payer (a resident with an assessment); otherwise every
    given id appears in the result. channel is "outbound_call" or "sms".
    """
    wanted = set(payer_ids) if payer_ids is not None else None
    universe = wanted if wanted is not None else all_payer_ids()
    hits = rule_hits(
        wanted,
        channel=channel,
        now=now,
        groups=groups,
        universe=universe,
        contact_settings=contact_settings,
        per_payer=wanted is not None and len(wanted) <= PER_PAYER_LIMIT,
    )
    # An approval only lifts a rule that hits: with no hit (the usual "Next" batch)
    # there is nothing to read.
    hit = set().union(*hits.values())
    approvals = (
        _approvals(wanted & hit if wanted is not None else None, timezone.localdate(now))
        if hit
        else {}
    )
    # Rules in their display order for each payer.
    return exclusions_from_hits(hits, sorted(universe), approvals=approvals)


def exclusions_for_payer(payer_id: int, *, channel: str, now: dt.datetime) -> list[str]:
    """The rule codes that exclude one payer now ([] = may be contacted)."""
    return exclusions_for_payers([payer_id], channel=channel, now=now)[payer_id]
