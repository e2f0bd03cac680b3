"""Inquiry documents: the list, registering an inquiry and its answer, scanned files
(uploaded by content check, downloaded as attachments only, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from saikoku.backoffice.inquiries import (
    inquiries_visible_to,
    inquiry_answer,
    inquiry_file_add,
    inquiry_file_read,
    inquiry_register,
)
from saikoku.backoffice.mail_forms import InquiryAnswerForm, InquiryFileForm, InquiryForm
from saikoku.backoffice.models import Inquiry, InquiryFile, InquiryStatus
from saikoku.core.audit import client_address
from saikoku.core.permissions import AuthenticatedRequest, capability_required, payers_visible_to
from saikoku.core.roles import Capability


def _inquiry(request: AuthenticatedRequest, inquiry_id: int) -> Inquiry:
    inquiry = inquiries_visible_to(request.user).filter(pk=inquiry_id).first()
    if inquiry is None:
        raise Http404
    return inquiry


@require_GET
@capability_required(Capability.HANDLE_MAIL)
def index(request: AuthenticatedRequest) -> HttpResponse:
    inquiries = inquiries_visible_to(request.user).order_by("status", "due_on", "pk")[:200]
    return render(
        request,
        "backoffice/inquiries.html",
        {"inquiries": inquiries, "form": InquiryForm(), "nav": "inquiries"},
    )


@require_POST
@capability_required(Capability.HANDLE_MAIL)
def create(request: AuthenticatedRequest) -> HttpResponse:
    form = InquiryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        payer_id = None
        if data["resident_no"]:
            payer_id = (
                payers_visible_to(request.user)
                .filter(resident_no=data["resident_no"].strip())
                .values_list("pk", flat=True)
                .first()
            )
            if payer_id is None:
                form.add_error("resident_no", _("この住民番号の納付義務者は見つかりません。"))
        if not form.errors:
            try:
                inquiry = inquiry_register(
                    actor=request.user,
                    counterpart_kind=data["counterpart_kind"],
                    counterpart_name=data["counterpart_name"],
                    sent_on=data["sent_on"],
                    due_on=data["due_on"],
                    payer_id=payer_id,
                    department=data["department"],
                    notes=data["notes"],
                    client_addr=client_address(request),
                )
                messages.success(request, _("照会を登録しました。"))
                return redirect("inquiry_detail", inquiry_id=inquiry.pk)
            except ValidationError as error:
                form.add_error("due_on", error)
    inquiries = inquiries_visible_to(request.user).order_by("status", "due_on", "pk")[:200]
    return render(
        request,
        "backoffice/inquiries.html",
        {"inquiries": inquiries, "form": form, "nav": "inquiries"},
        status=400,
    )


def _detail(request: AuthenticatedRequest, inquiry: Inquiry, **forms: object) -> HttpResponse:
    return render(
        request,
        "backoffice/inquiry.html",
        {
            "inquiry": inquiry,
            "files": inquiry.files.order_by("uploaded_at", "pk"),
            "answer_form": forms.get("answer_form") or InquiryAnswerForm(),
            "file_form": forms.get("file_form") or InquiryFileForm(),
            "open": inquiry.status == InquiryStatus.SENT,
            "nav": "inquiries",
        },
        status=400 if forms else 200,
    )


@require_GET
@capability_required(Capability.HANDLE_MAIL)
def detail(request: AuthenticatedRequest, inquiry_id: int) -> HttpResponse:
    return _detail(request, _inquiry(request, inquiry_id))


@require_POST
@capability_required(Capability.HANDLE_MAIL)
def answer(request: AuthenticatedRequest, inquiry_id: int) -> HttpResponse:
    inquiry = _inquiry(request, inquiry_id)
    form = InquiryAnswerForm(request.POST)
    if form.is_valid():
        try:
            inquiry_answer(
                actor=request.user,
                inquiry=inquiry,
                received_on=form.cleaned_data["received_on"],
                notes=form.cleaned_data["notes"],
                client_addr=client_address(request),
            )
            messages.success(request, _("回答を登録しました。"))
            return redirect("inquiry_detail", inquiry_id=inquiry.pk)
        except ValidationError as error:
            form.add_error(None, error)
    return _detail(request, inquiry, answer_form=form)


@require_http_methods(["POST"])
@capability_required(Capability.HANDLE_MAIL)
def upload(request: AuthenticatedRequest, inquiry_id: int) -> HttpResponse:
    inquiry = _inquiry(request, inquiry_id)
    form = InquiryFileForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        from django.conf import settings

        if upload.size > settings.UPLOAD_MAX_BYTES:
            data = b"\0" * (settings.UPLOAD_MAX_BYTES + 1)  # refused by size, unread
        else:
            data = upload.read()
        try:
            inquiry_file_add(
                actor=request.user,
                inquiry=inquiry,
                part=form.cleaned_data["part"],
                name=upload.name,
                data=data,
                client_addr=client_address(request),
            )
            messages.success(request, _("ファイルを登録しました。"))
            return redirect("inquiry_detail", inquiry_id=inquiry.pk)
        except ValidationError as error:
            form.add_error("file", error)
    return _detail(request, inquiry, file_form=form)


@require_GET
@capability_required(Capability.HANDLE_MAIL)
def download(request: AuthenticatedRequest, file_id: int) -> HttpResponse:
    """Always an attachment with nosniff: a browser never renders a stored file (a
    PDF with JavaScript included) in the console's origin."""
    file = InquiryFile.objects.select_related("inquiry").filter(pk=file_id).first()
    if file is None or not inquiries_visible_to(request.user).filter(pk=file.inquiry_id).exists():
        raise Http404
    data = inquiry_file_read(actor=request.user, file=file, client_addr=client_address(request))
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        file.content_type, "tif"
    )
    response = HttpResponse(data, content_type=file.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="inquiry-{file.inquiry_id}-{file.pk}.{extension}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response
