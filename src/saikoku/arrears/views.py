"""The arrears app's own console page: the late-charge rates (延滞金の割合), read and
registered by a ward_admin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from saikoku.arrears.forms import LateChargeRateForm
from saikoku.arrears.rates import current_rate_table, rate_rows
from saikoku.arrears.services import late_charge_rate_register
from saikoku.core.audit import client_address
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability


@require_http_methods(["GET", "POST"])
@capability_required(Capability.ADMINISTER)
def rates(request: HttpRequest) -> HttpResponse:
    """The list of known rates and the form for a new year's (POST registers it)."""
    today = timezone.localdate()
    if request.method == "POST":
        form = LateChargeRateForm(request.POST, today=today)
        if form.is_valid():
            data = form.cleaned_data
            try:
                late_charge_rate_register(
                    actor=request.user,
                    year=data["year"],
                    lower_percent=data["lower_percent"],
                    higher_percent=data["higher_percent"],
                    source=data["source"],
                    client_addr=client_address(request),
                )
            except ValidationError as error:
                form.add_error("year", error)
            else:
                messages.success(
                    request,
                    _(
                        "%(year)s年の延滞金の割合を登録しました。この年の延滞金は見込みではなくなります。"
                    )
                    % {"year": data["year"]},
                )
                return redirect("late_charge_rates")
    else:
        form = LateChargeRateForm(today=today)
    last_year = current_rate_table().last_year
    # The first year computed as an estimate, when its rate could be registered now
    # (it is published the December before; later years are estimates anyway).
    estimated_from = (
        last_year + 1 if last_year is not None and last_year < form.latest_year else None
    )
    if not form.is_bound and estimated_from is not None:
        form.initial["year"] = estimated_from
    return render(
        request,
        "arrears/rates.html",
        {
            "form": form,
            "rows": rate_rows(),
            "last_year": last_year,
            "estimated_from": estimated_from,
            # The first field with an error takes the focus, so Enter-typing can go on.
            "focus": next((name for name in form.fields if name in form.errors), "year"),
            "nav": "rates",
        },
        status=400 if form.is_bound else 200,
    )
