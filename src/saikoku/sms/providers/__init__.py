"""The sending equipment, chosen by SAIKOKU_SMS_PROVIDER. Each provider is one module
with a class implementing `base.Provider` (CONTRIBUTING.md: how to add an SMS provider)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from saikoku.sms.providers.base import Provider, ProviderError, SendResult

__all__ = ["PROVIDERS", "Provider", "ProviderError", "SendResult", "get_provider"]

# name -> "module:Class"
PROVIDERS = {
    "console": "saikoku.sms.providers.console:ConsoleProvider",
    "http": "saikoku.sms.providers.http:HttpProvider",
    "modem": "saikoku.sms.providers.modem:ModemProvider",
}


def get_provider(name: str | None = None) -> Provider:
    """A provider instance for `name` (default: the configured one)."""
    module_name, class_name = PROVIDERS[name or settings.SAIKOKU_SMS_PROVIDER].split(":")
    return getattr(import_module(module_name), class_name)()
