"""Template helpers of the back office: the capability check the navigation needs and
the payer page's back-office history (a read through backoffice.selectors)."""

from __future__ import annotations

from typing import Any

from django import template

from saikoku.backoffice.selectors import PayerBackoffice, payer_backoffice
from saikoku.core.roles import Capability, user_can

register = template.Library()


@register.filter
def may(user: Any, capability: str) -> bool:
    """`{% if user|may:"handle_mail" %}`: whether the user's role has the capability."""
    return user_can(user, Capability(capability))


@register.simple_tag
def payer_backoffice_history(user: Any, payer: Any) -> PayerBackoffice:
    """The tasks, returned mail and inquiries about the payer the page shows."""
    return payer_backoffice(user, getattr(payer, "pk", payer))
