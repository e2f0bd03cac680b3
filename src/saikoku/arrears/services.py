"""Writes of the arrears app: the one a ward_admin makes by hand, a year's late-charge
rate (延滞金の割合)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from saikoku.arrears.models import LateChargeRate
from saikoku.core.audit import audit_record
from saikoku.core.roles import Capability, user_can

__all__ = ["late_charge_rate_register"]


def late_charge_rate_register(
    *,
    actor: Any,
    year: int,
    lower_percent: Decimal,
    higher_percent: Decimal,
    source: str,
    client_addr: str = "",
) -> LateChargeRate:
    """Registers a year's two rates; from then on every figure for that year is final
    rather than an estimate (arrears/rates.py). One row per year: a year registered
    already is refused, so no figure changes behind an operator's back (a correction
    goes through the admin, where the row is edited in the open)."""
    if not user_can(actor, Capability.ADMINISTER):
        raise PermissionDenied
    try:
        with transaction.atomic(durable=True):
            rate = LateChargeRate.objects.create(
                year=year,
                lower_percent=lower_percent,
                higher_percent=higher_percent,
                source=source.strip(),
                created_by=actor,
            )
            audit_record(
                actor=actor,
                action="late_charge_rate_register",
                object_type="late_charge_rate",
                object_id=str(year),
                client_addr=client_addr,
                detail={
                    "year": year,
                    "lower_percent": str(lower_percent),
                    "higher_percent": str(higher_percent),
                    "source": rate.source,
                },
            )
    except IntegrityError:
        # Two ward_admins at once, or a year already in the table: the unique year wins.
        raise ValidationError(
            _("%(year)s年の割合はすでに登録されています。") % {"year": year}, code="registered"
        ) from None
    return rate
