"""The form of the results download page (parse and normalise only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from saikoku.core.forms import WarekiDateField


class ResultsExportForm(forms.Form):
    since = WarekiDateField(
        label=_("この日以降の記録だけ（空欄: すべて）"), required=False, max_length=30
    )
