"""Input of the work queue's pages: filters, a status change, a (bulk) assignment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from saikoku.backoffice.kinds import task_kind_choices
from saikoku.backoffice.models import TaskStatus
from saikoku.backoffice.selectors import TaskFilters
from saikoku.core.roles import Capability, roles_with
from saikoku.outreach.models import Team


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), required=False)
    kind = forms.ChoiceField(label=_("種別"), required=False)
    overdue = forms.BooleanField(label=_("期限超過のみ"), required=False)
    mine = forms.BooleanField(label=_("自分とチームの分のみ"), required=False)
    sort = forms.ChoiceField(
        label=_("並び順"),
        required=False,
        choices=[("due", _("期限の早い順")), ("created", _("作成の古い順"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("", _("未完了すべて")),
            *TaskStatus.choices,
            ("finished", _("完了・取消")),
        ]
        self.fields["kind"].choices = [("", _("すべて")), *task_kind_choices()]

    def filters(self) -> TaskFilters:
        if not self.is_valid():
            return TaskFilters()
        data = self.cleaned_data
        return TaskFilters(
            status=data["status"] or "",
            kind=data["kind"] or "",
            overdue=bool(data["overdue"]),
            mine=bool(data["mine"]),
            sort=data["sort"] or "due",
        )


class TaskTransitionForm(forms.Form):
    to = forms.ChoiceField(
        choices=TaskStatus.choices,
        # The status comes from the page's buttons: any other value is one message.
        error_messages={"required": _("状態が正しくありません。"),
                        "invalid_choice": _("状態が正しくありません。")},
    )  # fmt: skip
    note = forms.CharField(
        label=_("メモ・対応結果"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TaskAssignForm(forms.Form):
    tasks = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    assignee = forms.ModelChoiceField(
        label=_("担当者"), queryset=get_user_model().objects.none(), required=False
    )
    team = forms.ModelChoiceField(label=_("チーム"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, task_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(pk, str(pk)) for pk in task_ids]
        self.fields["tasks"].error_messages["required"] = _("タスクを選んでください。")
        self.fields["assignee"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, role__in=roles_with(Capability.WORK_TASKS))
            .order_by("username")
        )
        self.fields["team"].queryset = Team.objects.order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("assignee") and not data.get("team"):
            raise forms.ValidationError(_("担当者またはチームを選んでください。"))
        return data
