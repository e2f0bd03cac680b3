"""The second factor: a TOTP authenticator app for every user, ten recovery codes.

Built on django-otp (devices, throttling, the session's verified-device marker) with
the secret encrypted at rest by the `cryptography` package's Fernet (AES-128-CBC with
HMAC-SHA256), key SAIKOKU_OTP_KEY. Several keys may be configured, comma-separated:
the first encrypts, all decrypt (MultiFernet), so the key can be rotated with
`rotate_secrets`. Nothing cryptographic is written here by hand.

- A code is accepted once: the device's `last_t` (the time step of the last accepted
  code) only moves forward, by a conditional UPDATE.
- The clock may be one step (30 s) off either way (the device's tolerance).
- Wrong codes slow further tries down exponentially (django-otp's ThrottlingMixin).
- Recovery codes are django-otp's static tokens, each consumed by one DELETE.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

import segno
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from saikoku.core.audit import audit_record, client_address
from saikoku.core.models import TOTPDevice, User

RECOVERY_CODE_COUNT = 10
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommended length for HMAC-SHA1
ISSUER = "Saikoku"
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"

__all__ = [
    "RECOVERY_CODE_COUNT",
    "DeviceStatus",
    "device_status",
    "mfa_device_reset",
    "mfa_enrol_confirm",
    "mfa_enrol_start",
    "mfa_verify",
    "qr_svg",
    "secret_decrypt",
    "secret_encrypt",
    "totp_code",
    "totp_device_enrolled",
    "totp_verify",
]


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode("ascii")) for key in keys])
    except (ValueError, UnicodeEncodeError):
        raise ImproperlyConfigured(
            "SAIKOKU_OTP_KEY must be one or more Fernet keys (urlsafe base64 of 32 bytes), "
            "comma-separated"
        ) from None


def _box() -> MultiFernet:
    keys = tuple(key.strip() for key in str(settings.SAIKOKU_OTP_KEY).split(",") if key.strip())
    if not keys:
        raise ImproperlyConfigured("SAIKOKU_OTP_KEY must not be empty")
    return _fernet(keys)


def secret_encrypt(secret: bytes) -> str:
    return _box().encrypt(secret).decode("ascii")


def secret_decrypt(token: str) -> bytes:
    try:
        return _box().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise ImproperlyConfigured(
            "a TOTP secret cannot be decrypted with SAIKOKU_OTP_KEY (wrong or rotated-out key)"
        ) from None


def rotate_secrets() -> int:
    """Re-encrypts every secret with the first configured key; returns how many."""
    box = _box()
    count = 0
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().only("pk", "encrypted_key"):
            device.encrypted_key = box.rotate(device.encrypted_key.encode("ascii")).decode("ascii")
            device.save(update_fields=["encrypted_key"])
            count += 1
    return count


# --- TOTP ------------------------------------------------------------------------------


def _totp(device: TOTPDevice) -> TOTP:
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)


def totp_verify(device: TOTPDevice, token: Any) -> bool:
    """django-otp's TOTP verification (throttle, tolerance, `last_t`), with the step
    counter claimed by a conditional UPDATE: of two requests with the same code, only
    the one whose UPDATE finds `last_t` still below the step gets in."""
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return False
    text = str(token or "").strip()
    verified = False
    if text.isdigit() and len(text) == device.digits:
        totp = _totp(device)
        totp.time = time.time()
        if totp.verify(int(text), device.tolerance, device.last_t + 1):
            step = totp.t()
            claimed = TOTPDevice.objects.filter(pk=device.pk, last_t__lt=step).update(last_t=step)
            verified = claimed == 1
            if verified:
                device.last_t = step
                device.throttle_reset(commit=False)
                device.set_last_used_timestamp(commit=False)
                device.save(
                    update_fields=[
                        "throttling_failure_timestamp",
                        "throttling_failure_count",
                        "last_used_at",
                    ]
                )
    if not verified:
        device.throttle_increment(commit=True)
    return verified


def totp_code_reused(device: TOTPDevice, token: Any) -> bool:
    """Whether a refused code is one the device already accepted (its step is not
    after `last_t`): a user who logs in twice within 30 seconds is told to wait for the
    next code rather than that the code is wrong. The code still counts as a failure."""
    text = str(token or "").strip()
    if not (text.isdigit() and len(text) == device.digits) or device.last_t < 0:
        return False
    totp = _totp(device)
    totp.time = time.time()
    # On a match, verify leaves the matching step in t().
    return bool(totp.verify(int(text), device.tolerance)) and totp.t() <= device.last_t


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The device's code at a time (now by default), zero-padded: for the demo's
    `demo-otp` command and the tests' login helper, never shown by the console."""
    totp = _totp(device)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def _config_url(device: TOTPDevice) -> str:
    """The otpauth:// URL authenticator apps read from the QR code (Key URI format)."""
    label = f"{ISSUER}:{device.user.get_username()}"
    params = urlencode(
        {
            "secret": base64.b32encode(device.bin_key).decode("ascii").rstrip("="),
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{quote(label)}?{params}&issuer={quote(ISSUER)}"


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG: no image request, no script, no style
    attribute, so the page needs nothing beyond its own origin (CSP)."""
    return segno.make(_config_url(device), error="m").svg_inline(scale=4, border=2)


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32 groups of four, for an app that cannot read the QR code."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# --- devices of a user -----------------------------------------------------------------


@dataclass(frozen=True)
class DeviceStatus:
    enrolled: bool
    recovery_codes_left: int
    enrolled_at: Any


def device_status(user: User) -> DeviceStatus:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return DeviceStatus(
        enrolled=device is not None,
        recovery_codes_left=left,
        enrolled_at=getattr(device, "created_at", None),
    )


def totp_device_enrolled(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_device_create(*, user: User, confirmed: bool) -> TOTPDevice:
    """A new authenticator with a fresh random secret (secrets.token_bytes)."""
    return TOTPDevice.objects.create(
        user=user,
        name=TOTP_NAME,
        confirmed=confirmed,
        encrypted_key=secret_encrypt(secrets.token_bytes(SECRET_BYTES)),
    )


def mfa_enrol_start(user: User) -> TOTPDevice:
    """The unconfirmed authenticator the enrolment page shows, made once per user
    until confirmed (reloading the page shows the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or totp_device_create(user=user, confirmed=False)


def recovery_codes_issue(user: User) -> list[str]:
    """Ten new recovery codes, replacing any earlier ones; shown once, never again."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def mfa_enrol_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the authenticator with its first code; returns the recovery codes (to
    be shown once) or None when the code is wrong. The session is then verified."""
    user = device.user
    if not device.verify_token(token):
        audit_record(
            actor=user,
            action="mfa_failed",
            object_type="user",
            object_id=user.username,
            client_addr=client_address(request),
            detail={"step": "enrol"},
        )
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user)
        audit_record(
            actor=user,
            action="mfa_enrol",
            object_type="user",
            object_id=user.username,
            client_addr=client_address(request),
        )
    return codes


def _recovery_code_use(user: User, token: str) -> StaticDevice | None:
    """Consumes a recovery code by one DELETE: two requests with the same code cannot
    both succeed (django-otp's StaticDevice reads, then deletes)."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return None
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return None
    code = token.strip().lower().replace(" ", "").replace("-", "")
    deleted, _rows = (
        StaticToken.objects.filter(device=device, token=code).delete() if code else (0, {})
    )
    if deleted:
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp(commit=True)
        return device
    device.throttle_increment(commit=True)
    return None


@dataclass(frozen=True)
class Verification:
    device: Any | None
    throttled: bool = False
    recovery: bool = False
    # The authenticator's code was right but already used (see totp_code_reused).
    reused: bool = False


def mfa_verify(*, request: HttpRequest, user: User, token: str) -> Verification:
    """Checks a code from the authenticator or, failing that form, a recovery code.
    Audited either way; the caller completes the login on success
    (core/login_flow.py)."""
    text = (token or "").strip().replace(" ", "")
    totp = totp_device_enrolled(user)
    device: Any | None = None
    recovery = False
    throttled = False
    reused = False
    if totp is not None and text.isdigit():
        throttled = not totp.verify_is_allowed()[0]
        device = totp if totp_verify(totp, text) else None
        reused = device is None and not throttled and totp_code_reused(totp, text)
    elif text:
        static = StaticDevice.objects.filter(user=user, confirmed=True).first()
        throttled = static is not None and not static.verify_is_allowed()[0]
        device = _recovery_code_use(user, text)
        recovery = device is not None
    audit_record(
        actor=user,
        action="mfa_verified" if device is not None else "mfa_failed",
        object_type="user",
        object_id=user.username,
        client_addr=client_address(request),
        detail={"recovery_code": True} if recovery else {},
    )
    return Verification(
        device=device, throttled=throttled and device is None, recovery=recovery, reused=reused
    )


def mfa_device_reset(*, actor: User, user: User, client_addr: str = "") -> None:
    """A ward_admin's reset of a user's authenticator and recovery codes (a lost
    phone): the user enrols again at the next login; their sessions end now."""
    from saikoku.core.sessions import user_sessions_end

    with transaction.atomic(durable=True):
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="mfa_reset",
            object_type="user",
            object_id=user.username,
            client_addr=client_addr,
        )
        user_sessions_end(user)
