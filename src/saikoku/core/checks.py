"""System checks of the access rules, with stable ids (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError


@register()
def demo_users_outside_the_demo(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """saikoku.E101: the demo's users have published passwords and a command that
    prints their codes; a server that is neither the demo nor a debug install refuses
    to start while any of them exists (a production server always refuses)."""
    if (settings.DEBUG or settings.SAIKOKU_DEMO) and not settings.SAIKOKU_PRODUCTION:
        return []
    from saikoku.core.models import User

    try:
        names = list(User.objects.filter(is_demo=True).values_list("username", flat=True)[:5])
    except DatabaseError:
        return []  # no tables yet (before the first migrate): nothing to refuse
    if not names:
        return []
    return [
        Error(
            "demo users exist in a production database: " + ", ".join(names),
            hint="Remove them (or set SAIKOKU_DEMO=true if this really is the demo).",
            id="saikoku.E101",
        )
    ]


# --- a production server (SAIKOKU_PRODUCTION=true) ---------------------------------------
# Each refusal is one line naming the setting to change; their ids are stable so the
# operations manual and a deployment script can name them (docs/operations.md).


@register()
def unsafe_production_configuration(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """saikoku.E102-E105: with SAIKOKU_PRODUCTION=true the server refuses to start on
    debug pages, keys generated into the data folder, the demo, or SQLite."""
    if not settings.SAIKOKU_PRODUCTION:
        return []
    errors = []
    if settings.DEBUG:
        errors.append(
            Error(
                "SAIKOKU_DEBUG is on in production: debug pages show code and data.",
                hint="Set SAIKOKU_DEBUG=false.",
                id="saikoku.E102",
            )
        )
    if settings.SAIKOKU_GENERATED_KEYS:
        names = ", ".join(settings.SAIKOKU_GENERATED_KEYS)
        errors.append(
            Error(
                f"{names} not set in production: the key would be generated next to the data.",
                hint="Set each (or its _FILE variant) to a key kept apart from the database.",
                id="saikoku.E103",
            )
        )
    if settings.SAIKOKU_DEMO:
        errors.append(
            Error(
                "SAIKOKU_DEMO is on in production: the demo widens contact hours.",
                hint="Set SAIKOKU_DEMO=false.",
                id="saikoku.E104",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(
            Error(
                "DATABASE_URL names SQLite in production: one file, no replication.",
                hint="Set DATABASE_URL=postgres://user:password@host:5432/name.",
                id="saikoku.E105",
            )
        )
    return errors


@register()
def short_master_key(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """saikoku.E106: a master key given too short to wrap the data key (privacy/keys.py
    would refuse it at the first encryption; better at the start)."""
    from saikoku.privacy.keys import MIN_MASTER_KEY_CHARS

    if settings.MASTER_KEY_GENERATED_FILE is not None:
        return []  # generated: always long enough
    if len(str(settings.MASTER_KEY)) >= MIN_MASTER_KEY_CHARS:
        return []
    return [
        Error(
            f"SAIKOKU_MASTER_KEY is shorter than {MIN_MASTER_KEY_CHARS} characters.",
            hint="Use random text, e.g. the output of `openssl rand -base64 48`.",
            id="saikoku.E106",
        )
    ]
