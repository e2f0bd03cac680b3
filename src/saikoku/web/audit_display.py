"""The audit log's 詳細 column in words an auditor reads: each key of an entry's detail
by its Japanese label, each code (purpose, outcome, rule, levy, …) by its label.

Display only: the stored detail stays exactly as hashed (core/audit/hashing.py). A key or code
nobody named here is shown as stored, so nothing recorded is ever hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from saikoku.arrears.models import Levy
from saikoku.backoffice.models import TaskKind
from saikoku.core.audit import ACTIONS
from saikoku.core.models import Department, Role, User
from saikoku.outreach.calls.forms import PURPOSES
from saikoku.outreach.eligibility import EXCLUSION_RULES
from saikoku.outreach.lists.forms import CallListFilterForm
from saikoku.outreach.models import Channel, Party
from saikoku.outreach.outcomes import OUTCOMES
from saikoku.reports.collection import CARRIED
from saikoku.reports.figures import FIGURES, RATIOS

__all__ = ["OBJECT_TYPES", "DetailPart", "detail_parts", "object_label"]


@dataclass(frozen=True)
class DetailPart:
    label: str
    value: str


KEY_LABELS: dict[str, Any] = {
    "purpose": gettext_lazy("目的"),
    "flagged": gettext_lazy("業務外の閲覧"),
    "query": gettext_lazy("検索語"),
    "kind": gettext_lazy("種別"),
    "results": gettext_lazy("該当件数"),
    "page": gettext_lazy("ページ"),
    "filters": gettext_lazy("条件"),
    "resident_no": gettext_lazy("住民番号"),
    "levy": gettext_lazy("税目"),
    "levies": gettext_lazy("税目"),
    "method": gettext_lazy("発信方式"),
    "result": gettext_lazy("結果"),
    "phone": gettext_lazy("電話番号"),
    "residents": gettext_lazy("同じ番号の住民"),
    "step": gettext_lazy("段階"),
    "since": gettext_lazy("対象期間の開始"),
    "counts": gettext_lazy("件数"),
    "sha256": "SHA-256",
    "name": gettext_lazy("名称"),
    "matched": gettext_lazy("該当"),
    "callable": gettext_lazy("架電可能"),
    "excluded": gettext_lazy("除外"),
    "entries": gettext_lazy("明細数"),
    "operator": gettext_lazy("担当者"),
    "team": gettext_lazy("チーム"),
    "rule": gettext_lazy("除外理由"),
    "reason": gettext_lazy("理由"),
    "valid_until": gettext_lazy("有効期限"),
    "payer_id": gettext_lazy("納付義務者（内部番号）"),
    "outcome": gettext_lazy("結果"),
    "party": gettext_lazy("応対者"),
    "identity_verified": gettext_lazy("本人確認"),
    "channel": gettext_lazy("経路"),
    "tasks": gettext_lazy("タスク"),
    "callback": gettext_lazy("折返し予定"),
    "amends": gettext_lazy("訂正元の記録"),
    "department": gettext_lazy("担当課"),
    "fields": gettext_lazy("変更した項目"),
    "role": gettext_lazy("役割"),
    "username": gettext_lazy("入力された利用者ID"),
    "status": gettext_lazy("状態"),
    "warnings": gettext_lazy("警告"),
    "file": gettext_lazy("取込ファイル"),
    "errors": gettext_lazy("エラー"),
    "codes": gettext_lazy("エラーの種類"),
    "rows": gettext_lazy("行数"),
    "created": gettext_lazy("追加"),
    "updated": gettext_lazy("更新"),
    "severity": gettext_lazy("重大度"),
    "affected": gettext_lazy("影響を受けた人数"),
    "hidden": gettext_lazy("表示しなかった対象者"),
    "incident": gettext_lazy("インシデント"),
    "first": gettext_lazy("第一報"),
    # The audit log's own filters (audit_view entries).
    "user": gettext_lazy("利用者ID"),
    "action": gettext_lazy("操作"),
    "payer": gettext_lazy("住民番号"),
    "date_from": gettext_lazy("開始日"),
    "date_to": gettext_lazy("終了日"),
}

# What an entry is about (AuditEntry.object_type).
OBJECT_TYPES: dict[str, Any] = {
    "resident": gettext_lazy("住民"),
    "account": gettext_lazy("口座"),
    "call_list": gettext_lazy("架電リスト"),
    "contact_record": gettext_lazy("交渉記録"),
    "package": gettext_lazy("パッケージ"),
    "task": gettext_lazy("タスク"),
    "user": gettext_lazy("利用者"),
    "incident": gettext_lazy("インシデント"),
    "sms_template": gettext_lazy("SMSテンプレート"),
    "sms_campaign": gettext_lazy("SMSキャンペーン"),
    "sms": gettext_lazy("SMS（試験送信）"),
    "sms_callback": gettext_lazy("SMS配信結果の通知"),
    "monthly_report": gettext_lazy("月次報告"),
    "late_charge_rate": gettext_lazy("延滞金の割合"),
    "inbound_call": gettext_lazy("受電"),
    "data_key": gettext_lazy("データ暗号鍵"),
    "custody_entry": gettext_lazy("授受記録"),
    "returned_mail_day": gettext_lazy("返戻郵便（日）"),
    "report_figure": gettext_lazy("実績の件数"),
    "file": gettext_lazy("取込ファイル"),
    "backup": gettext_lazy("バックアップ"),
    "inquiry": gettext_lazy("照会"),
    "handler_list": gettext_lazy("取扱者名簿"),
    "address": gettext_lazy("接続元アドレス"),
}


def _report_figure(object_id: str) -> str:
    """A figure's key ("calls_attempted") or a collection list ("collection:RT:current")
    in words, as the reports pages name them."""
    if object_id.startswith("collection:"):
        _prefix, levy, part = [*object_id.split(":"), "", ""][:3]
        levy_label = Levy(levy).label if levy in Levy.values else levy
        part_label = _("滞納繰越分") if part == CARRIED else _("現年度分")
        return f"{_('収入額の元になった収納')}: {levy_label} {part_label}"
    known = RATIOS.get(object_id) or FIGURES.get(object_id)
    return str(known.label) if known is not None else object_id


def object_label(object_type: str, object_id: str) -> str:
    """住民 100000000001, タスク 12; empty when the entry is about nothing in particular."""
    if not object_type:
        return ""
    if object_type == "report_figure":
        return f"{OBJECT_TYPES['report_figure']} {_report_figure(object_id)}"
    return f"{OBJECT_TYPES.get(object_type, object_type)} {object_id}"


# Purposes of a payer_view besides the reasons an operator picks (outreach.calls.forms.PURPOSES).
PAGE_PURPOSES: dict[str, Any] = {
    "payer_page": gettext_lazy("納付義務者ページ"),
    "payer_owed": gettext_lazy("納付額の試算"),
    "account_reveal": gettext_lazy("口座番号の表示"),
    "call_screen": gettext_lazy("架電画面"),
    "contact_record_amend": gettext_lazy("交渉記録の訂正"),
    "incident": gettext_lazy("インシデント管理簿"),
}

SEARCH_KINDS: dict[str, Any] = {
    "resident_no": gettext_lazy("住民番号"),
    "notice": gettext_lazy("通知書番号"),
    "birth_date": gettext_lazy("生年月日"),
    "phone": gettext_lazy("電話番号"),
    "kana": gettext_lazy("カナ氏名"),
    "name": gettext_lazy("氏名"),
}

OTHER_KINDS: dict[str, Any] = {
    "full": gettext_lazy("全件"),
    "delta": gettext_lazy("差分"),
    "results": gettext_lazy("区への結果"),
    **dict(TaskKind.choices),
}

STATUSES: dict[str, Any] = {
    "already_imported": gettext_lazy("取込済みのため再取込なし"),
}

STEPS: dict[str, Any] = {"download": gettext_lazy("ダウンロード")}


def _field_label(name: str) -> str:
    try:
        return str(User._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed is shown by its name
        return name


def _codes(table: Mapping[str, Any]) -> Callable[[Any], str]:
    return lambda value: _join(value, lambda code: str(table.get(str(code), code)))


def _join(value: Any, one: Callable[[Any], str]) -> str:
    if isinstance(value, list):
        return "、".join(one(v) for v in value) or "—"
    return one(value)


def _filter_label(key: str) -> str:
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    field = CallListFilterForm.base_fields.get(key)
    return str(field.label) if field is not None and field.label else key


def _purpose(value: Any) -> str:
    return str(PURPOSES.get(value) or PAGE_PURPOSES.get(value) or value)


def _kind(action: str) -> Callable[[Any], str]:
    table = SEARCH_KINDS if action == "search" else OTHER_KINDS
    return _codes(table)


# How to read the value of a key (else: _plain).
def _formatters(action: str) -> dict[str, Callable[[Any], str]]:
    return {
        "purpose": _purpose,
        "outcome": _codes({code: o.label for code, o in OUTCOMES.items()}),
        "party": _codes(dict(Party.choices)),
        "channel": _codes(dict(Channel.choices)),
        "department": _codes(dict(Department.choices)),
        "levy": _codes(dict(Levy.choices)),
        "levies": _codes(dict(Levy.choices)),
        "rule": _codes(EXCLUSION_RULES),
        "role": _codes(dict(Role.choices)),
        "action": _codes(ACTIONS),
        "kind": _kind(action),
        "status": _codes(STATUSES),
        "step": _codes(STEPS),
        "fields": lambda value: _join(value, _field_label),
        "tasks": lambda value: _join(value, lambda pk: f"#{pk}"),
        "amends": lambda value: f"#{value}",
        "callback": lambda value: f"#{value}" if value else "—",
    }


def _plain(value: Any, action: str) -> str:
    if value is True:
        return _("はい")
    if value is False:
        return _("いいえ")
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return "、".join(_plain(v, action) for v in value)
    if isinstance(value, dict):
        # A dict inside a dict (an import's counts per file) goes in brackets.
        return "、".join(
            f"{part.label}（{part.value}）"
            if isinstance(inner, dict)
            else f"{part.label}: {part.value}"
            for part, inner in zip(_parts(value, action, nested=True), value.values(), strict=True)
        )
    return str(value)


def _parts(detail: Mapping[str, Any], action: str, *, nested: bool = False) -> list[DetailPart]:
    formatters = _formatters(action)
    parts = []
    for key, value in detail.items():
        label = _filter_label(key) if nested else str(KEY_LABELS.get(key, key))
        if key in formatters and value not in (None, "", []):
            text = formatters[key](value)
        else:
            text = _plain(value, action)
        parts.append(DetailPart(label, text))
    return parts


def detail_parts(action: str, detail: Mapping[str, Any] | None) -> list[DetailPart]:
    """The entry's detail as (label, value) pairs in the order recorded."""
    if not isinstance(detail, Mapping):
        return [DetailPart(_("詳細"), str(detail))] if detail else []
    return _parts(detail, action)
