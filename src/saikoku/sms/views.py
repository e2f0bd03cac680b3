"""The SMS pages: templates (write, preview, approve), campaigns (build with live
counts, approve, pause, resume, cancel, live progress), the payer's wishes for texts,
and the gateway's delivery reports (POST /sms/callback, signed; no login).

Each view: the capability decorator, a form, one service or selector, render or
redirect. The services check the roles and the four eyes again.
"""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required, payer_for_user
from saikoku.core.roles import Capability, user_can
from saikoku.outreach.lists.forms import filter_descriptions
from saikoku.outreach.lists.selectors import call_list_preview, preview_excluded_rows
from saikoku.outreach.models import Channel, ContactPreference
from saikoku.sms.campaigns import (
    campaign_approval_refusals,
    sms_campaign_approve,
    sms_campaign_cancel,
    sms_campaign_create,
    sms_campaign_pause,
    sms_campaign_resume,
)
from saikoku.sms.dispatch import send_window_text
from saikoku.sms.forms import (
    CampaignForm,
    PreferenceForm,
    PreviewForm,
    TemplateForm,
    TemplatePolicyForm,
)
from saikoku.sms.models import SmsCampaign, SmsPayerPreference, SmsTemplate
from saikoku.sms.policy import LANGUAGES, LONGEST_VALUES, SAFE_PLACEHOLDERS, footer_units
from saikoku.sms.preferences import sms_preference_record
from saikoku.sms.reports import CallbackRefused, sms_delivery_report
from saikoku.sms.selectors import (
    campaign_progress,
    campaign_waiting,
    sms_campaigns,
    sms_template_preview,
    sms_templates,
)
from saikoku.sms.templates import (
    sms_template_approve,
    sms_template_policy,
    sms_template_save,
    template_approval_refusals,
)

logger = logging.getLogger("saikoku.sms")


def _errors_into(form, error: ValidationError, *, prefix: str = "") -> None:
    """A service's ValidationError on the form: each error by the field it names
    (`prefix` + key: the template form's text fields are text_ja, text_en, …), the
    rest above the form."""
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            field = f"{prefix}{key}" if f"{prefix}{key}" in form.fields else None
            for e in errors:
                form.add_error(field, e)
    else:
        form.add_error(None, error)


@require_GET
@capability_required(Capability.READ_SMS)
def sms_index(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "sms/index.html",
        {
            "templates": sms_templates(),
            "campaigns": sms_campaigns(now=timezone.now()),
            "may_write": user_can(request.user, Capability.WRITE_SMS_TEMPLATES),
            "may_run": user_can(request.user, Capability.RUN_SMS_CAMPAIGNS),
            "nav": "sms",
        },
    )


def _counter_context(form: TemplateForm) -> dict:
    """The live counter of each language's text: its own closing line's length, and
    the placeholders' longest values (what the server checks the length on)."""
    from django.conf import settings

    return {
        "max_chars": settings.SAIKOKU_SMS_MAX_CHARS,
        "counter_fields": [
            {"field": field, "extra": footer_units(code), "optional": code != "ja"}
            for code, field in zip(LANGUAGES, form.text_fields(), strict=True)
        ],
        "longest_values": json.dumps(LONGEST_VALUES, ensure_ascii=False),
        "safe_placeholders": SAFE_PLACEHOLDERS,
    }


@require_http_methods(["GET", "POST"])
@capability_required(Capability.WRITE_SMS_TEMPLATES)
def sms_template_new(request: AuthenticatedRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = sms_template_save(
                actor=request.user,
                name=form.cleaned_data["name"],
                department=form.cleaned_data["department"],
                texts=form.texts(),
                client_addr=client_address(request),
            )
        except ValidationError as error:
            _errors_into(form, error, prefix="text_")
        else:
            messages.success(
                request, _("テンプレートを保存しました。区の管理者の承認を待っています。")
            )
            return redirect("sms_template_detail", template.pk)
    return render(
        request,
        "sms/template_form.html",
        {"form": form, "template": None, "nav": "sms", **_counter_context(form)},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.READ_SMS)
def sms_template_detail(request: AuthenticatedRequest, template_id: int) -> HttpResponse:
    """The template, its preview and, by role, the edit form or the approval."""
    template = get_object_or_404(SmsTemplate, pk=template_id)
    texts = {t.language: t.body for t in template.texts.all()}
    initial = {"name": template.name, "department": template.department}
    initial.update({f"text_{code}": body for code, body in texts.items()})
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not user_can(request.user, Capability.WRITE_SMS_TEMPLATES):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                sms_template_save(
                    actor=request.user,
                    template=template,
                    name=form.cleaned_data["name"],
                    department=form.cleaned_data["department"],
                    texts=form.texts(),
                    client_addr=client_address(request),
                )
            except ValidationError as error:
                _errors_into(form, error, prefix="text_")
            else:
                messages.success(request, _("テンプレートを変更しました。改めて承認が必要です。"))
                return redirect("sms_template_detail", template.pk)
    preview_form = PreviewForm(request.GET or None)
    preview = None
    if preview_form.is_valid():
        try:
            preview = sms_template_preview(
                request.user,
                template,
                language=preview_form.cleaned_data.get("language") or "ja",
                deadline=timezone.localdate(),
                resident_no=preview_form.cleaned_data.get("resident_no") or "",
                request=request,
            )
        except ValidationError as error:
            _errors_into(preview_form, error)
    context = {
        "template": template,
        "texts": [(LANGUAGES.get(code, code), body) for code, body in texts.items()],
        "form": form,
        "preview_form": preview_form,
        "preview": preview,
        "policy_form": TemplatePolicyForm(
            initial={
                "allowed_personal": template.allowed_personal,
                "allowed_domain": template.allowed_domain,
            }
        ),
        "may_write": user_can(request.user, Capability.WRITE_SMS_TEMPLATES),
        "may_approve": user_can(request.user, Capability.APPROVE_SMS_TEMPLATES),
        "approval_refusals": template_approval_refusals(request.user, template),
        "nav": "sms",
        **_counter_context(form),
    }
    return render(request, "sms/template_detail.html", context)


@require_POST
@capability_required(Capability.APPROVE_SMS_TEMPLATES)
def sms_template_approve_view(request: AuthenticatedRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(SmsTemplate, pk=template_id)
    try:
        sms_template_approve(
            actor=request.user,
            template=template,
            version=int(request.POST.get("version") or 0),
            client_addr=client_address(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("テンプレートを承認しました。"))
    return redirect("sms_template_detail", template.pk)


@require_POST
@capability_required(Capability.APPROVE_SMS_TEMPLATES)
def sms_template_policy_view(request: AuthenticatedRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(SmsTemplate, pk=template_id)
    form = TemplatePolicyForm(request.POST)
    if form.is_valid():
        try:
            sms_template_policy(
                actor=request.user,
                template=template,
                allowed_personal=form.cleaned_data["allowed_personal"],
                allowed_domain=form.cleaned_data["allowed_domain"],
                client_addr=client_address(request),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("差込とURLの許可を変更しました。改めて承認が必要です。"))
    else:
        # The page the form came from shows the refusal as a message.
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("sms_template_detail", template.pk)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.RUN_SMS_CAMPAIGNS)
def sms_campaign_new(request: AuthenticatedRequest) -> HttpResponse:
    """GET: the builder; with htmx, only the live counts. POST: create the campaign."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = CampaignForm(data)
    preview = None
    now = timezone.now()
    if form.is_bound and form.is_valid():
        if request.method == "POST":
            template = form.cleaned_data.get("template")
            if template is None:
                form.add_error("template", _("承認済みのテンプレートを選んでください。"))
            else:
                try:
                    campaign = sms_campaign_create(
                        actor=request.user,
                        name=form.cleaned_data["name"] or "",
                        template=template,
                        filters=form.filters(),
                        scheduled_at=form.cleaned_data.get("scheduled_at"),
                        deadline=form.cleaned_data.get("deadline"),
                        client_addr=client_address(request),
                    )
                except ValidationError as error:
                    _errors_into(form, error)
                else:
                    messages.success(
                        request, _("キャンペーンを作成しました。別の担当者の承認を待っています。")
                    )
                    return redirect("sms_campaign_detail", campaign.pk)
        preview = call_list_preview(filters=form.filters(), now=now, channel=Channel.SMS)
    elif not form.is_bound:
        preview = call_list_preview(filters={}, now=now, channel=Channel.SMS)
    context = {
        "form": form,
        "preview": preview,
        "excluded": preview_excluded_rows(preview, channel=Channel.SMS),
        "channel": Channel.SMS.value,
        "nav": "sms",
    }
    if request.htmx:
        return render(request, "outreach/_list_preview.html", context)
    return render(request, "sms/campaign_form.html", context)


@require_GET
@capability_required(Capability.READ_SMS)
def sms_campaign_detail(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(
        SmsCampaign.objects.select_related("template", "created_by", "approved_by"),
        pk=campaign_id,
    )
    context = {
        "campaign": campaign,
        "progress": campaign_progress([campaign.pk])[campaign.pk],
        "waiting": campaign_waiting(campaign, now=timezone.now()),
    }
    if request.htmx:
        # The live progress, every 3 s while it sends: only what _progress.html shows.
        return render(request, "sms/_progress.html", context)
    context |= {
        "filters": filter_descriptions(campaign.filters),
        "sample": sms_template_preview(
            request.user, campaign.template, language="ja", deadline=campaign.deadline
        ),
        "send_window": send_window_text(),
        "excluded": _excluded_labels(campaign.excluded_counts),
        "may_approve": user_can(request.user, Capability.APPROVE_SMS_CAMPAIGNS),
        "approval_refusals": campaign_approval_refusals(request.user, campaign)
        if campaign.status == SmsCampaign.Status.PENDING
        else [],
        "may_run": user_can(request.user, Capability.RUN_SMS_CAMPAIGNS),
        "may_stop": user_can(request.user, Capability.STOP_SMS_CAMPAIGNS),
        "nav": "sms",
    }
    return render(request, "sms/campaign_detail.html", context)


def _excluded_labels(counts: dict[str, int]) -> list[tuple[str, int]]:
    from saikoku.outreach.eligibility import exclusion_label

    shared = _("同じ番号に送信済み（世帯で共有）")
    return [
        (shared if code == "shared_number" else exclusion_label(code, channel=Channel.SMS), n)
        for code, n in counts.items()
    ]


_CONTROLS = {
    "approve": (Capability.APPROVE_SMS_CAMPAIGNS, sms_campaign_approve),
    "pause": (Capability.STOP_SMS_CAMPAIGNS, sms_campaign_pause),
    "resume": (Capability.RUN_SMS_CAMPAIGNS, sms_campaign_resume),
    "cancel": (Capability.STOP_SMS_CAMPAIGNS, sms_campaign_cancel),
}


@require_POST
@capability_required(Capability.READ_SMS)
def sms_campaign_control(
    request: AuthenticatedRequest, campaign_id: int, action: str
) -> HttpResponse:
    """Approve (four eyes), pause, resume or cancel; the service checks the role. A
    cancel first answers with its confirmation (how many texts will not be sent)."""
    campaign = get_object_or_404(SmsCampaign, pk=campaign_id)
    if action not in _CONTROLS:
        return HttpResponse(status=404)
    capability, service = _CONTROLS[action]
    assert callable(service)
    if not user_can(request.user, capability):
        return HttpResponse(status=403)
    if action == "cancel" and request.POST.get("confirm") != "1":
        return render(
            request,
            "sms/campaign_cancel.html",
            {
                "campaign": campaign,
                "progress": campaign_progress([campaign.pk])[campaign.pk],
                "nav": "sms",
            },
        )
    try:
        service(actor=request.user, campaign=campaign, client_addr=client_address(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("キャンペーンを更新しました。"))
    return redirect("sms_campaign_detail", campaign.pk)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.RECORD_SMS_PREFERENCES)
def sms_payer_preferences(request: AuthenticatedRequest, payer_id: int) -> HttpResponse:
    """On the payer's page: the wish not to be texted and the language for texts."""
    payer = payer_for_user(request.user, payer_id, purpose="sms_preferences", request=request)
    current = ContactPreference.objects.filter(payer=payer).first()
    language = (
        SmsPayerPreference.objects.filter(payer=payer).values_list("language", flat=True).first()
    )
    form = PreferenceForm(
        request.POST or None,
        initial={"do_not_text": bool(current and current.do_not_text), "language": language or ""},
    )
    if request.method == "POST" and form.is_valid():
        sms_preference_record(
            actor=request.user,
            payer=payer,
            do_not_text=form.cleaned_data["do_not_text"],
            language=form.cleaned_data["language"],
            client_addr=client_address(request),
        )
        messages.success(request, _("SMSの希望を記録しました。"))
        return redirect("payer", payer.pk)
    return render(request, "sms/preferences.html", {"payer": payer, "form": form, "nav": "search"})


@csrf_exempt
@require_POST
def sms_callback(request: HttpRequest) -> HttpResponse:
    """Delivery reports from the http gateway, authenticated by their HMAC signature
    (no session: the gateway is no user). docs/sms.md has the contract."""
    try:
        sms_delivery_report(
            raw_body=request.body,
            timestamp=request.headers.get("X-Timestamp", ""),
            signature=request.headers.get("X-Signature", ""),
        )
    except CallbackRefused as refused:
        return JsonResponse(
            {"error": refused.code}, status=401 if refused.code != "bad_body" else 400
        )
    return JsonResponse({"ok": True})
