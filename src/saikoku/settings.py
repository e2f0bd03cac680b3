"""Settings, read from environment variables with a safe embedded default for each.

Every variable is listed in docs/operations.md. Secrets also accept a `*_FILE` variant
that names a file holding the value (how container and systemd secrets arrive).
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import os
import secrets
from collections.abc import Callable
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of addresses or CIDR networks (`10.1.0.0/16`), each
    checked here so that a typo stops the start instead of letting everyone in."""
    values = env_list(name, default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds {value!r}, not an address or network (e.g. 10.1.0.0/16)"
            ) from None
    return values


# The data folder holds the embedded SQLite database, generated demo packages and the
# locally generated secrets of a development install. Production points the secrets
# at real files and DATABASE_URL at PostgreSQL.
DATA_DIR = Path(os.environ.get("SAIKOKU_DATA_DIR", Path.cwd() / "var")).resolve()


def _token() -> str:
    return secrets.token_urlsafe(48)


def _fernet_key() -> str:
    return Fernet.generate_key().decode("ascii")


@functools.cache
def _local_secret(name: str, make: Callable[[], str] = _token) -> str:
    """A secret generated once and kept in the data folder (embedded default only).

    Read through `_lazy_secret`, so the file (and the data folder) is only created when
    the key is first used, e.g. by the first audit entry or session: a command that
    fails or only reads (`saikoku late-charge`, `--help`) leaves no files behind."""
    path = DATA_DIR / f".{name}"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value


_lazy_secret = lazy(_local_secret, str)


DEBUG = env_bool("SAIKOKU_DEBUG", False)
# A production server (docs/operations.md, "Production"): the system checks of
# core/checks.py then refuse to start on an unsafe configuration (debug on, generated
# keys, demo users, SQLite). It changes no other setting.
SAIKOKU_PRODUCTION = env_bool("SAIKOKU_PRODUCTION", False)
SECRET_KEY = env_str("SAIKOKU_SECRET_KEY") or _lazy_secret("secret_key")
# Which keys were generated into the data folder rather than given (the production
# checks refuse those: a generated key lives next to the data it protects).
SAIKOKU_GENERATED_KEYS = [
    name
    for name in ("SAIKOKU_SECRET_KEY", "SAIKOKU_AUDIT_KEY", "SAIKOKU_OTP_KEY", "SAIKOKU_MASTER_KEY")
    if not env_str(name)
]
# Key of the audit trail's HMAC chain; kept apart from SECRET_KEY so that rotating
# session keys never breaks verification of old entries.
AUDIT_HMAC_KEY = env_str("SAIKOKU_AUDIT_KEY") or _lazy_secret("audit_key")
# Where the embedded default keeps that key; None when it comes from the environment.
AUDIT_KEY_FILE = None if env_str("SAIKOKU_AUDIT_KEY") else DATA_DIR / ".audit_key"


def env_time(name: str, default: str) -> datetime.time:
    raw = os.environ.get(name) or default
    try:
        return datetime.time.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time HH:MM, not {raw!r}") from None


# The audit analysis (core/audit_analysis.py, docs/audit.md): the center's working
# hours (Tokyo time, end exclusive), whether Saturdays are worked, and how many
# distinct payers one user may open in one clock hour before it is an anomaly.
SAIKOKU_AUDIT_HOURS_START = env_time("SAIKOKU_AUDIT_HOURS_START", "08:00")
SAIKOKU_AUDIT_HOURS_END = env_time("SAIKOKU_AUDIT_HOURS_END", "21:00")
SAIKOKU_AUDIT_WORK_SATURDAY = env_bool("SAIKOKU_AUDIT_WORK_SATURDAY", True)
SAIKOKU_AUDIT_PAYERS_PER_HOUR = env_int("SAIKOKU_AUDIT_PAYERS_PER_HOUR", 30)
if SAIKOKU_AUDIT_HOURS_START >= SAIKOKU_AUDIT_HOURS_END:
    raise ImproperlyConfigured("SAIKOKU_AUDIT_HOURS_START must be before SAIKOKU_AUDIT_HOURS_END")
# Keys that encrypt the TOTP secrets at rest (core/mfa.py reads them when first needed):
# Fernet keys, comma-separated; the first encrypts, every one decrypts (rotation).
SAIKOKU_OTP_KEY = env_str("SAIKOKU_OTP_KEY") or _lazy_secret("otp_key", _fernet_key)
# The master key of the envelope encryption (privacy/keys.py, docs/security/keys.md): it
# wraps the data key that encrypts account numbers, caution notes, contact record notes,
# stored files and staged exports. Kept apart from the database and backed up apart.
MASTER_KEY = env_str("SAIKOKU_MASTER_KEY") or _lazy_secret("master_key")
# Where the generated development key lives (`keys rotate` replaces it); None when given.
MASTER_KEY_GENERATED_FILE = None if env_str("SAIKOKU_MASTER_KEY") else DATA_DIR / ".master_key"
# The key of `saikoku backup` archives (privacy/backup/archive.py, docs/security/backup.md):
# kept apart from the server and from the backups, never the master key.
BACKUP_KEY = env_str("SAIKOKU_BACKUP_KEY") or _lazy_secret("backup_key")
# Where the generated development key lives; None when given (production gives it).
BACKUP_KEY_GENERATED_FILE = None if env_str("SAIKOKU_BACKUP_KEY") else DATA_DIR / ".backup_key"
# The contract the erasure certificate (消去報告書) names (privacy/certificate.py).
SAIKOKU_CONTRACT_NAME = os.environ.get("SAIKOKU_CONTRACT_NAME", "催告等事務センター運営業務委託")
ALLOWED_HOSTS = env_list("SAIKOKU_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("SAIKOKU_CSRF_TRUSTED_ORIGINS", [])
# Reverse proxies whose X-Forwarded-For the audit trail believes (core/audit/client.py); the
# same address counts for the lockout and the allowed networks.
SAIKOKU_TRUSTED_PROXIES = env_list("SAIKOKU_TRUSTED_PROXIES", [])
# Where each organisation's users may work from (checklist: networks limited to
# specific peers), checked on every request and at login (core/networks.py). The
# default lets every address in; production names the ward's and the contractor's
# networks.
EVERYWHERE = ["0.0.0.0/0", "::/0"]
SAIKOKU_ALLOWED_NETWORKS_WARD = env_networks("SAIKOKU_ALLOWED_NETWORKS_WARD", EVERYWHERE)
SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR = env_networks(
    "SAIKOKU_ALLOWED_NETWORKS_CONTRACTOR", EVERYWHERE
)


def database_from_url(url: str, conn_max_age: int = 0) -> dict:
    """Django's database settings from DATABASE_URL. The query string's parameters go
    to the driver as they are (psycopg's connection parameters), which is how a
    PostgreSQL URL names several servers for failover: dj-database-url cannot read
    `host1:port1,host2:port2` in the URL's host part, so the servers go in the query,
    `postgres://user@/name?host=h1,h2&port=p1,p2&target_session_attrs=read-write`
    (docs/operations/failover.md), and libpq connects to the first that accepts
    writes."""
    return dict(dj_database_url.parse(url, conn_max_age=conn_max_age))


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'saikoku.sqlite3'}",
        conn_max_age=env_int("SAIKOKU_DB_CONN_MAX_AGE", 0),
    )
}
# /readyz (web/health.py) reports the server not ready while a task ready to start has
# waited longer than this many seconds: no worker is taking the queue.
SAIKOKU_READY_QUEUE_MAX_AGE = env_int("SAIKOKU_READY_QUEUE_MAX_AGE", 300)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while an import writes; IMMEDIATE avoids lock upgrades
    # failing half-way through a transaction.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_static",
    # Before core: its failed-login receiver runs first, so core's audit entry of the
    # same failure knows whether the lock is now in force (core/auth_audit.py).
    "axes",
    "csp",
    "saikoku.core",
    "saikoku.people",
    "saikoku.arrears",
    "saikoku.interchange",
    "saikoku.privacy",
    "saikoku.outreach",
    "saikoku.backoffice",
    "saikoku.inbound",
    "saikoku.web",
    "saikoku.demo",
    "saikoku.sms",
    "saikoku.reports",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: every later step, its log records and audit entries included, runs with
    # the request's id (core/request_id.py); the access log line times the rest.
    "saikoku.core.request_id.RequestIdMiddleware",
    "saikoku.core.access_log.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "saikoku.core.middleware.SlidingSessionMiddleware",
    "saikoku.web.middleware.JapaneseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after the user is known: a request from outside the user's organisation's
    # networks reaches nothing, not even the second-factor pages.
    "saikoku.core.middleware.AllowedNetworkMiddleware",
    "saikoku.core.middleware.SessionVerifiedOTPMiddleware",
    "saikoku.core.middleware.AbsoluteSessionMiddleware",
    "saikoku.core.middleware.MfaRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "saikoku.core.middleware.NoStoreMiddleware",
    # Inside NoStore: a POST-only URL opened as a page gets the console's 405 page.
    "saikoku.core.middleware.MethodNotAllowedPageMiddleware",
    # Last: turns a login refused by the lockout into its response (core/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "saikoku.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "saikoku.web.context_processors.demo",
            ],
        },
    }
]
WSGI_APPLICATION = "saikoku.wsgi.application"

AUTH_USER_MODEL = "core.User"
# First the lockout (django-axes, core/lockout.py), then passwords as ModelBackend
# checks them, then the validity period and the other login checks of
# core/login_flow.py.
AUTHENTICATION_BACKENDS = [
    "saikoku.core.lockout.LockoutBackend",
    "saikoku.core.backends.HandlerBackend",
]
LOGIN_URL = "login"
# After login each role lands where its work is (web/landing.py); this is the fallback.
LOGIN_REDIRECT_URL = "home"
# A form posted with an expired or missing CSRF token: the console's Japanese 403 page.
CSRF_FAILURE_VIEW = "saikoku.web.errors.csrf_failure"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# In the spirit of OWASP ASVS 5.0 (V6.2): at least 12 characters, not a common
# password, not close to the user's own attributes; no composition rules (so no
# "not only digits" rule either) and no periodic expiry.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {
            "user_attributes": ("username", "first_name", "last_name", "email", "extension")
        },
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Wrong second-factor codes: the n-th consecutive failure locks the device for
# factor × 2^(n-1) seconds (django-otp's ThrottlingMixin).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Sessions end after inactivity; the page warns before (checklist: access control).
# The expiry slides without a write on every request: core.middleware.SlidingSessionMiddleware.
SESSION_COOKIE_AGE = env_int("SAIKOKU_SESSION_SECONDS", 15 * 60)
# However active, a session ends this long after its login (AbsoluteSessionMiddleware).
SESSION_ABSOLUTE_SECONDS = env_int("SAIKOKU_SESSION_MAX_SECONDS", 8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SAIKOKU_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# HTTPS (docs/operations.md, "Production"): plain HTTP is redirected; behind a reverse
# proxy that terminates TLS, the proxy's X-Forwarded-Proto says the request was HTTPS
# (only set SAIKOKU_PROXY_SSL_HEADER when the proxy always overwrites that header).
SECURE_SSL_REDIRECT = env_bool("SAIKOKU_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("SAIKOKU_PROXY_SSL_HEADER", False) else None
)
# Strict-Transport-Security, sent on HTTPS responses only; 0 sends none. Subdomains
# and the preload token go with it: the console's host name serves nothing else.
SECURE_HSTS_SECONDS = env_int("SAIKOKU_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# Content Security Policy (django-csp): scripts, styles, images and requests from the
# console's own origin only, no inline script or style anywhere (a guard test renders
# every page to check), and no framing by any page (clickjacking; X-Frame-Options
# says the same to older browsers).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Lockout after repeated failed logins (django-axes; core/lockout.py): failures count
# per user name and client address pair, so an attacker's failures lock that pair
# only; an address failing on many names is blocked on top. Both end
# SAIKOKU_LOCKOUT_COOLOFF_SECONDS after the last failure, or when a ward_admin unlocks.
AXES_ENABLED = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("SAIKOKU_LOCKOUT_FAILURES", 5)
SAIKOKU_LOCKOUT_ADDRESS_FAILURES = env_int("SAIKOKU_LOCKOUT_ADDRESS_FAILURES", 30)
AXES_COOLOFF_TIME = datetime.timedelta(seconds=env_int("SAIKOKU_LOCKOUT_COOLOFF_SECONDS", 15 * 60))
AXES_HANDLER = "saikoku.core.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "saikoku.core.lockout.lockout_address"
AXES_LOCKOUT_CALLABLE = "saikoku.core.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Successful logins are in the audit trail already; axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

STATIC_URL = "static/"
# The console's own CSS, JS and vendored htmx (src/saikoku/static/saikoku/).
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where `saikoku collectstatic` puts them for nginx to serve (deploy/nginx/): outside
# the data folder in production, so the web server can read it without reaching the
# data folder's personal data.
STATIC_ROOT = Path(os.environ.get("SAIKOKU_STATIC_ROOT") or DATA_DIR / "static")
# Hashed file names (console.3f2a….css) that nginx may cache for a year: a new release
# has new names. On by default on a production server, which serves what collectstatic
# wrote; development and the tests serve the files under their own names.
SAIKOKU_STATIC_MANIFEST = env_bool("SAIKOKU_STATIC_MANIFEST", SAIKOKU_PRODUCTION)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        if SAIKOKU_STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Set by `saikoku demo` for the server it starts: the demo's own settings (widened
# contact hours) are in effect, and every page says so in a banner.
SAIKOKU_DEMO = env_bool("SAIKOKU_DEMO", False)

MUNICIPALITY_CODE = os.environ.get("SAIKOKU_MUNICIPALITY_CODE", "131041")

# Limits that protect the importer against hostile or broken packages (see
# docs/operations.md): a ZIP bomb or a runaway quoted field is refused, not loaded.
IMPORT_MAX_PACKAGE_BYTES = env_int("SAIKOKU_IMPORT_MAX_PACKAGE_BYTES", 512 * 1024 * 1024)
IMPORT_MAX_FILE_BYTES = env_int("SAIKOKU_IMPORT_MAX_FILE_BYTES", 1024 * 1024 * 1024)
IMPORT_MAX_RATIO = env_int("SAIKOKU_IMPORT_MAX_RATIO", 200)
IMPORT_MAX_FIELD_CHARS = env_int("SAIKOKU_IMPORT_MAX_FIELD_CHARS", 4000)

# The back office (docs/backoffice.md): the return that makes a payer an address-
# investigation candidate (2 = the second envelope back), the largest scanned file
# accepted, and the encrypted file store (privacy/files.py: AES-256-GCM under the data
# key of privacy/keys.py). FILES_KEY only opens files stored before the key hierarchy
# (format SKF1) until `saikoku keys rotate --reencrypt` moves them onto the data key.
RETURNED_MAIL_INVESTIGATE_AFTER = env_int("SAIKOKU_RETURNED_MAIL_INVESTIGATE_AFTER", 2)
UPLOAD_MAX_BYTES = env_int("SAIKOKU_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
FILES_KEY = env_str("SAIKOKU_FILES_KEY") or _lazy_secret("files_key")
FILES_DIR = Path(env_str("SAIKOKU_FILES_DIR") or DATA_DIR / "files")

# How the call screen dials (outreach/dialer.py): "tel" hands a tel: link to the
# operator's softphone; "ami" asks Asterisk to ring the operator's phone and then the
# payer (Manager Interface, Originate). The channel template names the operator's
# endpoint from their user name, e.g. PJSIP/{username}.
SAIKOKU_DIALER = os.environ.get("SAIKOKU_DIALER", "tel")
if SAIKOKU_DIALER not in ("tel", "ami"):
    raise ImproperlyConfigured(f"SAIKOKU_DIALER must be tel or ami, not {SAIKOKU_DIALER!r}")
SAIKOKU_AMI_HOST = os.environ.get("SAIKOKU_AMI_HOST", "127.0.0.1")
SAIKOKU_AMI_PORT = env_int("SAIKOKU_AMI_PORT", 5038)
SAIKOKU_AMI_USERNAME = os.environ.get("SAIKOKU_AMI_USERNAME", "saikoku")
SAIKOKU_AMI_SECRET = env_str("SAIKOKU_AMI_SECRET")
SAIKOKU_AMI_CONTEXT = os.environ.get("SAIKOKU_AMI_CONTEXT", "from-internal")
SAIKOKU_AMI_CHANNEL = os.environ.get("SAIKOKU_AMI_CHANNEL", "PJSIP/{username}")
SAIKOKU_AMI_TIMEOUT = env_int("SAIKOKU_AMI_TIMEOUT", 5)

# SMS reminders (sms/, docs/sms.md). The provider is the sending equipment: "console"
# (the embedded default: the log, delivered at once), "http" (a JSON SMS gateway) or
# "modem" (an LTE modem on a serial port, AT commands in PDU mode).
SAIKOKU_SMS_PROVIDER = os.environ.get("SAIKOKU_SMS_PROVIDER", "console")
if SAIKOKU_SMS_PROVIDER not in ("console", "http", "modem"):
    raise ImproperlyConfigured(
        f"SAIKOKU_SMS_PROVIDER must be console, http or modem, not {SAIKOKU_SMS_PROVIDER!r}"
    )
SAIKOKU_SMS_HTTP_URL = os.environ.get("SAIKOKU_SMS_HTTP_URL", "")
SAIKOKU_SMS_HTTP_TOKEN = env_str("SAIKOKU_SMS_HTTP_TOKEN")
SAIKOKU_SMS_HTTP_TIMEOUT = env_int("SAIKOKU_SMS_HTTP_TIMEOUT", 10)
# The gateway deduplicates on client_ref, as its contract says (docs/sms.md); false for
# one that does not: each acceptance is then written before the next message is sent.
SAIKOKU_SMS_HTTP_HONOURS_KEY = env_bool("SAIKOKU_SMS_HTTP_HONOURS_KEY", True)
SAIKOKU_SMS_CALLBACK_SECRET = env_str("SAIKOKU_SMS_CALLBACK_SECRET")
SAIKOKU_SMS_MODEM_PORT = os.environ.get("SAIKOKU_SMS_MODEM_PORT", "/dev/ttyUSB0")
SAIKOKU_SMS_MODEM_BAUD = env_int("SAIKOKU_SMS_MODEM_BAUD", 115200)
# The ward's published sender number, named in every message (anti-phishing).
SAIKOKU_SMS_SENDER = os.environ.get("SAIKOKU_SMS_SENDER", "0332094111")
SAIKOKU_SMS_CALLBACK_NUMBER = os.environ.get("SAIKOKU_SMS_CALLBACK_NUMBER", "03-5273-4138")
SAIKOKU_SMS_OFFICE_HOURS = os.environ.get("SAIKOKU_SMS_OFFICE_HOURS", "平日8:30〜17:15")
# docomo delivers 660 characters, au/SoftBank/Rakuten 670: the lower one by default.
SAIKOKU_SMS_MAX_CHARS = env_int("SAIKOKU_SMS_MAX_CHARS", 660)
# Messages per second each worker process sends at most (the provider's contract).
SAIKOKU_SMS_RATE_PER_SECOND = env_int("SAIKOKU_SMS_RATE_PER_SECOND", 50)
# How long a worker's claim on a message lasts; a message claimed by a worker that
# died is taken up again after it (and sent with the same idempotency key).
SAIKOKU_SMS_CLAIM_SECONDS = env_int("SAIKOKU_SMS_CLAIM_SECONDS", 60)
SAIKOKU_SMS_BATCH = env_int("SAIKOKU_SMS_BATCH", 100)
# Seconds at most between a text accepted by the provider and its contact record.
SAIKOKU_SMS_RECORD_SECONDS = float(os.environ.get("SAIKOKU_SMS_RECORD_SECONDS") or 1.0)
SAIKOKU_SMS_MAX_ATTEMPTS = env_int("SAIKOKU_SMS_MAX_ATTEMPTS", 6)
# The send window (Tokyo time, end exclusive; "24:00" is the end of the day): weekdays
# only, holidays and 12/29–1/3 excluded, unless EVERY_DAY (the demo, the worker tests).
SAIKOKU_SMS_WINDOW_START = os.environ.get("SAIKOKU_SMS_WINDOW_START", "09:00")
SAIKOKU_SMS_WINDOW_END = os.environ.get("SAIKOKU_SMS_WINDOW_END", "20:00")
SAIKOKU_SMS_WINDOW_EVERY_DAY = env_bool("SAIKOKU_SMS_WINDOW_EVERY_DAY", False)
# Dispatch tasks started per campaign: how many workers can share one campaign.
SAIKOKU_SMS_PARALLEL = env_int("SAIKOKU_SMS_PARALLEL", 2)
# The background worker (`saikoku sms-worker`): Django's tasks API (the django-tasks
# backport) with its database backend; the SMS dispatch runs on the "sms" queue.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "sms", "reports"],
    }
}
# Inbound calls (docs/inbound.md). The webhook refuses every event while the secret
# is empty.
SAIKOKU_CTI_SECRET = env_str("SAIKOKU_CTI_SECRET")
# department=extension pairs: where a transfer to ward staff rings.
SAIKOKU_CTI_TRANSFER_EXTENSIONS = dict(
    item.partition("=")[::2] for item in env_list("SAIKOKU_CTI_TRANSFER_EXTENSIONS", [])
)
# How a live transfer reaches the phone system: "ami" (Redirect), "webhook" (a signed
# POST to SAIKOKU_CTI_TRANSFER_URL) or "none" (on screen only).
SAIKOKU_CTI_TRANSFER = os.environ.get("SAIKOKU_CTI_TRANSFER", "none")
if SAIKOKU_CTI_TRANSFER not in ("ami", "webhook", "none"):
    raise ImproperlyConfigured(
        f"SAIKOKU_CTI_TRANSFER must be ami, webhook or none, not {SAIKOKU_CTI_TRANSFER!r}"
    )
SAIKOKU_CTI_TRANSFER_URL = os.environ.get("SAIKOKU_CTI_TRANSFER_URL", "")
# Seconds a live transfer rings before it becomes a call-back task only.
SAIKOKU_CTI_TRANSFER_TIMEOUT = env_int("SAIKOKU_CTI_TRANSFER_TIMEOUT", 30)
# Seconds a screen pop request waits on the server for the next call (the long-poll,
# inbound/wakeup.py); 0 makes the screens poll every half second instead.
SAIKOKU_POP_WAIT_SECONDS = env_int("SAIKOKU_POP_WAIT_SECONDS", 20)

# Prometheus metrics at /metrics (core/metrics.py, docs/operations/observability.md):
# answered only to these networks (default: this machine) or to the bearer of the
# token. The multiprocess folder is the environment's PROMETHEUS_MULTIPROC_DIR.
SAIKOKU_METRICS_NETWORKS = env_networks("SAIKOKU_METRICS_NETWORKS", ["127.0.0.1/32", "::1/128"])
SAIKOKU_METRICS_TOKEN = env_str("SAIKOKU_METRICS_TOKEN")

# The log (English, for operators of the system) goes to a file in the data folder, made
# with its first record; the terminal shows only a command's own Japanese output.
# SAIKOKU_LOG_FILE=- sends the log to stderr instead (containers, systemd).
LOG_FILE = os.environ.get("SAIKOKU_LOG_FILE") or str(DATA_DIR / "saikoku.log")
# "json": one JSON object per line for a log collector (core/logformat.py), the
# production default; "text": one readable line per record, the development default.
SAIKOKU_LOG_FORMAT = os.environ.get("SAIKOKU_LOG_FORMAT") or (
    "json" if SAIKOKU_PRODUCTION else "text"
)
if SAIKOKU_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(
        f"SAIKOKU_LOG_FORMAT must be json or text, not {SAIKOKU_LOG_FORMAT!r}"
    )
_LOG_FORMATTER = "json" if SAIKOKU_LOG_FORMAT == "json" else "plain"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_on_one_line": {"()": "saikoku.web.log_filters.ClientErrorsOnOneLine"},
        "request_context": {"()": "saikoku.core.logformat.RequestContextFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "saikoku.core.logformat.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": _LOG_FORMATTER,
        },
        "file": {
            "()": "saikoku.logfile.DataFolderFileHandler",
            "filename": LOG_FILE,
            "filters": ["request_context"],
            "formatter": _LOG_FORMATTER,
        },
    },
    "loggers": {
        # A refused request (403, 404) is one line, not a traceback; 5xx keep theirs.
        "django.request": {"filters": ["client_errors_on_one_line"]},
    },
    "root": {
        "handlers": ["console" if LOG_FILE == "-" else "file"],
        "level": os.environ.get("SAIKOKU_LOG_LEVEL", "INFO"),
    },
}
