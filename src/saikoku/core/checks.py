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
    to start while any of them exists."""
    if settings.DEBUG or settings.SAIKOKU_DEMO:
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
