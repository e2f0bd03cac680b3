"""The audit trail analysed: the anomalies of a period, each with the entries behind it.

The checklist asks for access logs that are analysed regularly, not only kept. One
module decides what an anomaly is; `saikoku audit analyze`, the daily run, the analysis
page and its xlsx/PDF downloads all take their findings from `analyze()`. The rules and
their thresholds are defined in docs/audit.md ("Analysis").

The analysis only reads the trail (and, for caution-flagged payers, the payers' current
flag); it writes nothing itself: the callers audit their own viewing and storing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from saikoku.arrears.calendar import is_closed_day, is_holiday
from saikoku.core.models import AuditAnalysis, AuditEntry
from saikoku.people.models import Resident

__all__ = [
    "ATTEMPT_ACTIONS",
    "EXPORT_ACTIONS",
    "KINDS",
    "Analysis",
    "AnalysisRules",
    "Finding",
    "analysis_of_period",
    "analysis_rules",
    "analyze",
    "is_working_day",
    "is_working_time",
    "period_bounds",
    "store_day",
    "stored_analysis",
]

TOKYO = ZoneInfo("Asia/Tokyo")

# The kinds of anomaly, in the order the reports list them, with their Japanese names.
KINDS = {
    "off_hours": gettext_lazy("勤務時間外のアクセス"),
    "no_work": gettext_lazy("業務の裏付けのない納付義務者の閲覧"),
    "many_payers": gettext_lazy("1時間に多数の納付義務者の閲覧"),
    "export_reveal": gettext_lazy("出力・口座番号の表示"),
    "failed_login": gettext_lazy("ログイン失敗・ロック"),
    "caution_view": gettext_lazy("処理注意者の閲覧"),
}

# Personal data leaving the screen: files, prints and full account numbers.
EXPORT_ACTIONS = frozenset(
    {
        "export",
        "account_reveal",
        "handler_list_export",
        "returned_mail_print",
        "inquiry_file_download",
    }
)
# Attempts to get in that did not succeed, or that the lockout stopped.
ATTEMPT_ACTIONS = frozenset(
    {"login_failed", "mfa_failed", "login_lockout", "login_address_blocked", "network_refused"}
)
_CHUNK = 2000


@dataclass(frozen=True)
class AnalysisRules:
    """The thresholds one analysis used (kept with every stored day)."""

    hours_start: dt.time
    hours_end: dt.time
    saturday_is_working_day: bool
    payers_per_hour: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "hours_start": self.hours_start.strftime("%H:%M"),
            "hours_end": self.hours_end.strftime("%H:%M"),
            "saturday_is_working_day": self.saturday_is_working_day,
            "payers_per_hour": self.payers_per_hour,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisRules:
        return cls(
            hours_start=dt.time.fromisoformat(data["hours_start"]),
            hours_end=dt.time.fromisoformat(data["hours_end"]),
            saturday_is_working_day=bool(data["saturday_is_working_day"]),
            payers_per_hour=int(data["payers_per_hour"]),
        )


def analysis_rules() -> AnalysisRules:
    """The rules from the settings (SAIKOKU_AUDIT_HOURS_*, _WORK_SATURDAY, _PAYERS_PER_HOUR)."""
    return AnalysisRules(
        hours_start=settings.SAIKOKU_AUDIT_HOURS_START,
        hours_end=settings.SAIKOKU_AUDIT_HOURS_END,
        saturday_is_working_day=settings.SAIKOKU_AUDIT_WORK_SATURDAY,
        payers_per_hour=settings.SAIKOKU_AUDIT_PAYERS_PER_HOUR,
    )


def is_working_day(day: dt.date, rules: AnalysisRules) -> bool:
    """A day the center works: not a closed day (arrears.calendar: Sunday, holiday,
    12/29–1/3), except a Saturday that is no holiday when Saturdays are worked."""
    if rules.saturday_is_working_day and day.weekday() == 5 and not is_holiday(day):
        return True
    return not is_closed_day(day)


def is_working_time(at: dt.datetime, rules: AnalysisRules) -> bool:
    """Whether a moment (any time zone) falls in the working hours, Tokyo time: a
    working day, from `hours_start` inclusive to `hours_end` exclusive."""
    local = at.astimezone(TOKYO)
    if not is_working_day(local.date(), rules):
        return False
    return rules.hours_start <= local.time().replace(tzinfo=None) < rules.hours_end


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period from the start of `start` to the end of `end` (inclusive days,
    Tokyo time) as [since, until)."""
    since = dt.datetime.combine(start, dt.time.min, tzinfo=TOKYO)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=TOKYO)
    return since, until


@dataclass(frozen=True)
class Finding:
    """One anomaly: its kind, who, when (the first entry), a short note for people
    and the seq of every entry behind it."""

    kind: str
    seqs: tuple[int, ...]
    at: dt.datetime
    who: str = ""
    note: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seqs"] = list(self.seqs)
        data["at"] = self.at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            kind=data["kind"],
            seqs=tuple(int(s) for s in data["seqs"]),
            at=dt.datetime.fromisoformat(data["at"]),
            who=data.get("who", ""),
            note=dict(data.get("note") or {}),
        )


@dataclass
class Analysis:
    """The findings of a period, by kind (every kind present, maybe empty)."""

    start: dt.date
    end: dt.date
    rules: AnalysisRules
    entries_checked: int = 0
    findings: dict[str, list[Finding]] = field(default_factory=lambda: {k: [] for k in KINDS})
    computed_at: dt.datetime | None = None

    def counts(self) -> dict[str, int]:
        return {kind: len(self.findings[kind]) for kind in KINDS}

    def total(self) -> int:
        return sum(self.counts().values())

    def all_seqs(self) -> list[int]:
        return sorted({s for found in self.findings.values() for f in found for s in f.seqs})

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "rules": self.rules.as_dict(),
            "entries_checked": self.entries_checked,
            "counts": self.counts(),
            "findings": [f.as_dict() for kind in KINDS for f in self.findings[kind]],
        }


@dataclass
class _Row:
    seq: int
    at: dt.datetime
    user_id: int | None
    username: str
    action: str
    object_type: str
    object_id: str
    client_addr: str
    detail: Any


def _rows(since: dt.datetime, until: dt.datetime) -> Iterator[_Row]:
    """The period's entries in seq order, in constant memory (keyset pages on seq)."""
    names = (
        *("seq", "at", "user_id", "username", "action", "object_type", "object_id"),
        *("client_addr", "detail"),
    )
    base = AuditEntry.objects.filter(at__gte=since, at__lt=until).order_by("seq")
    last = 0
    while True:
        chunk = list(base.filter(seq__gt=last).values_list(*names)[:_CHUNK])
        for values in chunk:
            yield _Row(*values)
        if len(chunk) < _CHUNK:
            return
        last = chunk[-1][0]


def _who(row: _Row) -> str:
    """The person an entry names: the user, else the name typed at a failed login,
    else the address."""
    if row.username:
        return row.username
    detail = row.detail if isinstance(row.detail, dict) else {}
    typed = detail.get("username") or (row.object_id if row.object_type == "user" else "")
    return str(typed or row.client_addr or "")


def _is_by_a_person(row: _Row) -> bool:
    return row.user_id is not None or row.action in ATTEMPT_ACTIONS


def _caution_payers(resident_nos: Iterable[str]) -> set[str]:
    wanted = sorted(set(resident_nos))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        found.update(
            Resident.objects.filter(resident_no__in=wanted[i : i + 500], caution=True).values_list(
                "resident_no", flat=True
            )
        )
    return found


def analyze(start: dt.date, end: dt.date, rules: AnalysisRules | None = None) -> Analysis:
    """Every anomaly of the days `start`–`end` (inclusive, Tokyo time)."""
    rules = rules or analysis_rules()
    result = Analysis(start=start, end=end, rules=rules, computed_at=timezone.now())
    since, until = period_bounds(start, end)
    off_hours: dict[tuple[str, dt.date], list[_Row]] = defaultdict(list)
    per_hour: dict[tuple[str, dt.datetime], list[_Row]] = defaultdict(list)
    payer_views: list[_Row] = []
    for row in _rows(since, until):
        result.entries_checked += 1
        local = row.at.astimezone(TOKYO)
        if _is_by_a_person(row) and not is_working_time(row.at, rules):
            off_hours[(_who(row), local.date())].append(row)
        detail = row.detail if isinstance(row.detail, dict) else {}
        if row.action == "payer_view":
            payer_views.append(row)
            hour = local.replace(minute=0, second=0, microsecond=0)
            per_hour[(row.username, hour)].append(row)
            if detail.get("flagged"):
                result.findings["no_work"].append(
                    Finding(
                        kind="no_work",
                        seqs=(row.seq,),
                        at=row.at,
                        who=row.username,
                        note={"resident_no": row.object_id, "purpose": detail.get("purpose", "")},
                    )
                )
        elif row.action in EXPORT_ACTIONS:
            result.findings["export_reveal"].append(
                Finding(
                    kind="export_reveal",
                    seqs=(row.seq,),
                    at=row.at,
                    who=_who(row),
                    note={"action": row.action},
                )
            )
        elif row.action in ATTEMPT_ACTIONS:
            result.findings["failed_login"].append(
                Finding(
                    kind="failed_login",
                    seqs=(row.seq,),
                    at=row.at,
                    who=_who(row),
                    note={"action": row.action, "client_addr": row.client_addr},
                )
            )
    for (who, day), rows in off_hours.items():
        result.findings["off_hours"].append(
            Finding(
                kind="off_hours",
                seqs=tuple(r.seq for r in rows),
                at=rows[0].at,
                who=who,
                note={"day": day.isoformat(), "entries": len(rows)},
            )
        )
    for (who, hour), rows in per_hour.items():
        payers = {r.object_id for r in rows}
        if len(payers) > rules.payers_per_hour:
            result.findings["many_payers"].append(
                Finding(
                    kind="many_payers",
                    seqs=tuple(r.seq for r in rows),
                    at=rows[0].at,
                    who=who,
                    note={"hour": hour.isoformat(), "payers": len(payers)},
                )
            )
    caution = _caution_payers(r.object_id for r in payer_views)
    for row in payer_views:
        if row.object_id in caution:
            result.findings["caution_view"].append(
                Finding(
                    kind="caution_view",
                    seqs=(row.seq,),
                    at=row.at,
                    who=row.username,
                    note={"resident_no": row.object_id},
                )
            )
    for found in result.findings.values():
        found.sort(key=lambda f: (f.at, f.seqs[0]))
    return result


# --- the stored daily results ----------------------------------------------------------


def store_day(day: dt.date, rules: AnalysisRules | None = None) -> AuditAnalysis:
    """Analyses one day and keeps the result (a second run of the same day replaces
    it: the trail only grows, so the later run is the fuller one)."""
    result = analyze(day, day, rules)
    data = result.as_dict()
    stored, _created = AuditAnalysis.objects.update_or_create(
        day=day,
        defaults={
            "computed_at": result.computed_at or timezone.now(),
            "rules": data["rules"],
            "counts": data["counts"],
            "findings": data["findings"],
            "entries_checked": result.entries_checked,
        },
    )
    return stored


def stored_analysis(stored: AuditAnalysis) -> Analysis:
    """A stored day as an `Analysis`, for the page and the downloads."""
    result = Analysis(
        start=stored.day,
        end=stored.day,
        rules=AnalysisRules.from_dict(stored.rules),
        entries_checked=stored.entries_checked,
        computed_at=stored.computed_at,
    )
    for data in stored.findings:
        finding = Finding.from_dict(data)
        if finding.kind in result.findings:
            result.findings[finding.kind].append(finding)
    return result


def analysis_of_period(start: dt.date, end: dt.date) -> tuple[Analysis, bool]:
    """The analysis the page and the downloads show, and whether it is a stored one:
    a single day with a stored result as it was found then, any other period now."""
    if start == end:
        stored = AuditAnalysis.objects.filter(day=start).first()
        if stored is not None:
            return stored_analysis(stored), True
    return analyze(start, end), False
