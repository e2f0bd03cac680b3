"""The results dashboard, the records behind each figure, the effect page and the
monthly report page (thin: parse, one selector or service, render)."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from saikoku.arrears.models import Levy
from saikoku.core.audit import audit_record, client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required, levies_visible_to
from saikoku.core.roles import Capability
from saikoku.reports import selectors
from saikoku.reports.collection import CARRIED, CURRENT, collection_payments
from saikoku.reports.effect import EFFECT_CHANNELS, channel_effect
from saikoku.reports.figures import FIGURES, RATIOS, figure_records, record_moment
from saikoku.reports.forms import DashboardForm, MonthlyReportForm
from saikoku.reports.models import MonthlyReport
from saikoku.reports.scope import ALL_LEVIES, Scope, scope_for
from saikoku.reports.services import monthly_report_request

PAGE = 100


def _scope(request: AuthenticatedRequest) -> tuple[DashboardForm, Scope | None]:
    levies = tuple(c for c in ALL_LEVIES if c in levies_visible_to(request.user))
    form = DashboardForm(request.GET, levies=levies)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    if not (request.GET.get("start") and request.GET.get("end")):
        # The period left empty is this month so far: the fields show it, so the
        # form says what the page shows and can be changed from there.
        filled = request.GET.copy()
        filled["start"], filled["end"] = data["start"].isoformat(), data["end"].isoformat()
        form = DashboardForm(filled, levies=levies)
        form.is_valid()
    operator = request.GET.get("operator", "")
    return form, scope_for(
        request.user,
        start=data["start"],
        end=data["end"],
        levy=data.get("levy", ""),
        team_id=data.get("team_id"),
        channel=data.get("channel", ""),
        operator_id=int(operator) if operator.isdigit() and len(operator) < 10 else None,
    )


@require_GET
@capability_required(Capability.READ_REPORTS)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    form, scope = _scope(request)
    context: dict = {"form": form, "nav": "reports", "scope": scope}
    if scope is not None:
        chart, names, grain = selectors.daily_chart(scope)
        trend = selectors.collection_trend_of(scope)
        collection_chart, collection_names = selectors.collection_chart(scope, trend)
        paid_chart, paid_months = selectors.paid_after_contact_chart(scope)
        operator_labels, operator_rows = selectors.operator_table(scope)
        context.update(
            channels=selectors.channel_figures(scope),
            chart=chart,
            chart_names=names,
            grain=grain,
            operator_labels=operator_labels,
            operator_rows=operator_rows,
            collection=selectors.collection_table(scope, trend),
            collection_chart=collection_chart,
            collection_names=collection_names,
            paid_chart=paid_chart,
            paid_months=paid_months,
            levy_labels=[Levy(code).label for code in scope.levies],
            # Not "query": that is the header search box's text (base.html).
            scope_query=selectors.scope_query(scope),
        )
    return render(request, "reports/dashboard.html", context, status=200 if scope else 400)


@require_GET
@capability_required(Capability.READ_REPORTS)
def effect(request: AuthenticatedRequest) -> HttpResponse:
    form, scope = _scope(request)
    rows = []
    if scope is not None:
        rows = [
            (
                row,
                EFFECT_CHANNELS[row.channel],
                selectors.records_url(EFFECT_CHANNELS[row.channel].figure, scope),
            )
            for row in channel_effect(scope)
        ]
    return render(
        request,
        "reports/effect.html",
        {"form": form, "scope": scope, "rows": rows, "nav": "reports"},
        status=200 if scope else 400,
    )


@require_GET
@capability_required(Capability.READ_REPORTS)
def records(request: AuthenticatedRequest, key: str) -> HttpResponse:
    if key not in FIGURES and key not in RATIOS:
        raise Http404
    form, scope = _scope(request)
    if scope is None:
        return render(request, "reports/records.html", {"form": form, "nav": "reports"}, status=400)
    fig = FIGURES[RATIOS[key].numerator] if key in RATIOS else FIGURES[key]
    related = [p for p in ("payer", fig.operator) if p]
    page = Paginator(figure_records(key, scope).select_related(*related), PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "moment": record_moment(key, r),
            "payer": getattr(r, "payer", None),
            "operator": _path(r, fig.operator),
            "detail": [_display(r, name) for name in fig.detail],
        }
        for r in page.object_list
    ]
    _audit(request, key, scope, page.paginator.count)
    return render(
        request,
        "reports/records.html",
        {
            "form": form,
            "nav": "reports",
            "key": key,
            "label": (RATIOS[key].label if key in RATIOS else fig.label),
            "columns": [
                fig.model._meta.get_field(n.split("__")[0]).verbose_name for n in fig.detail
            ],
            "rows": rows,
            "page": page,
            "scope_query": selectors.scope_query(scope, operator=scope.operator_id),
        },
    )


@require_GET
@capability_required(Capability.READ_REPORTS)
def collection_records(request: AuthenticatedRequest, levy: str, part: str) -> HttpResponse:
    if levy not in levies_visible_to(request.user) or part not in (CURRENT, CARRIED):
        raise Http404
    try:
        on = dt.date.fromisoformat(request.GET.get("on", "")[:10])
    except ValueError:
        raise Http404 from None
    payments = collection_payments(levy=levy, part=part, on=on).select_related("bill__payer")
    page = Paginator(payments, PAGE).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action="report_records_view",
        object_type="report_figure",
        object_id=f"collection:{levy}:{part}",
        client_addr=client_address(request),
        detail={"on": on.isoformat(), "count": page.paginator.count},
    )
    return render(
        request,
        "reports/collection_records.html",
        {"nav": "reports", "levy": levy, "part": part, "on": on, "page": page},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.PRODUCE_MONTHLY_REPORT)
def monthly(request: AuthenticatedRequest) -> HttpResponse:
    form = MonthlyReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = monthly_report_request(
            actor=request.user,
            month=form.cleaned_data["month"],
            client_addr=client_address(request),
        )
        return redirect("report_monthly_run", run.pk)
    runs = MonthlyReport.objects.defer("xlsx", "pdf").select_related("requested_by")[:20]
    return render(
        request,
        "reports/monthly.html",
        {"form": form, "runs": runs, "nav": "report_monthly"},
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@capability_required(Capability.PRODUCE_MONTHLY_REPORT)
def monthly_run(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(MonthlyReport.objects.defer("xlsx", "pdf"), pk=run_id)
    template = "reports/_run.html" if request.htmx else "reports/monthly_run.html"
    return render(request, template, {"run": run, "nav": "report_monthly"})


@require_GET
@capability_required(Capability.PRODUCE_MONTHLY_REPORT)
def monthly_file(request: AuthenticatedRequest, run_id: int, kind: str) -> HttpResponse:
    run = get_object_or_404(MonthlyReport, pk=run_id, status=MonthlyReport.Status.DONE)
    if kind not in ("xlsx", "pdf"):
        raise Http404
    content = bytes(getattr(run, kind) or b"")
    audit_record(
        actor=request.user,
        action="monthly_report_download",
        object_type="monthly_report",
        object_id=str(run.pk),
        client_addr=client_address(request),
        detail={"month": run.month, "kind": kind},
    )
    types = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    response = HttpResponse(content, content_type=types[kind])
    response["Content-Disposition"] = f'attachment; filename="gyomu-hokoku-{run.month}.{kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _audit(request: AuthenticatedRequest, key: str, scope: Scope, count: int) -> None:
    audit_record(
        actor=request.user,
        action="report_records_view",
        object_type="report_figure",
        object_id=key,
        client_addr=client_address(request),
        detail={
            "start": scope.start.isoformat(),
            "end": scope.end.isoformat(),
            "levies": list(scope.levies),
            "count": count,
        },
    )


def _path(record: object, path: str) -> object:
    value = record
    for part in path.split("__") if path else ():
        value = getattr(value, part, None)
    return value if path else None


def _display(record: object, name: str) -> object:
    display = getattr(record, f"get_{name}_display", None)
    return display() if callable(display) else getattr(record, name, "")
