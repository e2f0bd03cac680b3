"""The second login step (enrolment, the code, recovery codes) and one's own account
(password, sessions). The steps themselves live in core/login_flow.py and
core/mfa.py; these views only parse, call and render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from saikoku.core.audit import audit_record, client_address
from saikoku.core.login_flow import mfa_complete, mfa_pending_next, mfa_step_url
from saikoku.core.mfa import (
    mfa_enrol_confirm,
    mfa_enrol_start,
    mfa_verify,
    qr_svg,
    secret_for_typing,
    totp_device_enrolled,
)
from saikoku.core.permissions import capability_required
from saikoku.core.roles import Capability
from saikoku.core.sessions import session_end_own, session_rekey, sessions_of, user_sessions_end
from saikoku.web.auth_forms import ConsolePasswordChangeForm, EnrolCodeForm, MfaCodeForm
from saikoku.web.landing import landing_url

# The recovery codes just issued, until the page that shows them once has been seen.
RECOVERY_CODES_KEY = "_recovery_codes"


def _after_login(request: HttpRequest) -> HttpResponse:
    url = mfa_pending_next(request) or landing_url(request.user) or settings.LOGIN_REDIRECT_URL
    return redirect(url)


def _is_verified(request: HttpRequest) -> bool:
    return bool(request.user.is_verified())  # type: ignore[union-attr]


@require_http_methods(["GET", "POST"])
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """The second step of every login: the authenticator's code (or a recovery code)."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if _is_verified(request):
        return _after_login(request)
    if totp_device_enrolled(request.user) is None:  # type: ignore[arg-type]
        return redirect("mfa_enrol")
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = mfa_verify(request=request, user=request.user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        if result.device is not None:
            mfa_complete(request, result.device)
            if result.recovery:
                messages.warning(
                    request,
                    _(
                        "回復コードでログインしました。使ったコードはもう使えません。"
                        "認証アプリを失くした場合は区管理者にリセットを依頼してください。"
                    ),
                )
            return _after_login(request)
        if result.throttled:
            form.add_error(
                "token",
                _(
                    "確認コードの誤りが続いたため、しばらく受け付けません。少し待ってから入力してください。"
                ),
            )
        elif result.reused:
            form.add_error(
                "token",
                _(
                    "この確認コードは使用済みです。認証アプリに次のコードが表示されるまで待ってから入力してください。"
                ),
            )
        else:
            form.add_error(
                "token",
                _(
                    "確認コードが正しくありません。認証アプリに今表示されている6桁を入力してください。"
                ),
            )
    return render(request, "account/mfa_verify.html", {"form": form, "mfa_step": True})


@require_http_methods(["GET", "POST"])
def mfa_enrol_view(request: HttpRequest) -> HttpResponse:
    """First login: register the authenticator app by its QR code and a first code."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if totp_device_enrolled(request.user) is not None:  # type: ignore[arg-type]
        return redirect("mfa_verify")
    device = mfa_enrol_start(request.user)  # type: ignore[arg-type]
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa_enrol_confirm(request=request, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            mfa_complete(request, device)
            request.session[RECOVERY_CODES_KEY] = codes
            return redirect("mfa_recovery_codes")
        form.add_error(
            "token",
            _("コードが一致しません。認証アプリに今表示されている6桁を入力してください。"),
        )
    return render(
        request,
        "account/mfa_enrol.html",
        {
            "form": form,
            # segno's SVG of our own otpauth:// URL: markup we generated, not user input.
            "qr": mark_safe(qr_svg(device)),  # noqa: S308
            "secret": secret_for_typing(device),
            "mfa_step": True,
        },
    )


@require_http_methods(["GET"])
def mfa_recovery_codes(request: HttpRequest) -> HttpResponse:
    """The ten recovery codes, shown once right after enrolment: the session forgets
    them as they are shown, so a reload or the back button cannot show them again."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    codes = request.session.pop(RECOVERY_CODES_KEY, None)
    if not codes:
        return _after_login(request)
    next_url = mfa_pending_next(request) or landing_url(request.user) or "/"
    return render(
        request,
        "account/recovery_codes.html",
        {"codes": codes, "next_url": next_url, "mfa_step": True},
    )


@require_http_methods(["GET", "POST"])
@capability_required(Capability.OWN_ACCOUNT)
def password_change(request: HttpRequest) -> HttpResponse:
    """One's own password. A change ends every other session of the user; this one
    stays, with a new key (update_session_auth_hash)."""
    form = ConsolePasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        old_key = request.session.session_key
        update_session_auth_hash(request, user)
        session_rekey(old_key, request.session.session_key)
        ended = user_sessions_end(user, except_key=request.session.session_key)
        audit_record(
            actor=user,
            action="password_change",
            object_type="user",
            object_id=user.get_username(),
            client_addr=client_address(request),
            detail={"other_sessions_ended": ended},
        )
        messages.success(
            request,
            _("パスワードを変更しました。ほかの端末のセッションは終了しました。"),
        )
        return redirect("account_sessions")
    return render(request, "account/password_change.html", {"form": form, "nav": "account"})


@require_http_methods(["GET"])
@capability_required(Capability.OWN_ACCOUNT)
def account_sessions(request: HttpRequest) -> HttpResponse:
    """One's own sessions: where and since when one is logged in; any can be ended."""
    rows = sessions_of(request.user, current_key=request.session.session_key)
    return render(request, "account/sessions.html", {"rows": rows, "nav": "account"})


@require_POST
@capability_required(Capability.OWN_ACCOUNT)
def account_session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    current = next(
        (
            r
            for r in sessions_of(request.user, current_key=request.session.session_key)
            if r.pk == session_id
        ),
        None,
    )
    if not session_end_own(request=request, session_id=session_id):
        raise Http404
    if current is not None and current.current:
        return redirect(settings.LOGIN_URL)
    messages.success(request, _("セッションを終了しました。"))
    return redirect("account_sessions")


__all__ = [
    "account_session_end",
    "account_sessions",
    "mfa_enrol_view",
    "mfa_recovery_codes",
    "mfa_step_url",
    "mfa_verify_view",
    "password_change",
]
