"""The interface every SMS provider implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["Provider", "ProviderError", "SendResult"]


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the message: its id and the parts it took. `delivered`:
    the provider already knows it was delivered (the console)."""

    provider_id: str
    segments: int
    delivered: bool = False


class ProviderError(Exception):
    """The provider did not take the message. permanent: retrying cannot help (a bad
    number, a refused text); else it is retried with backoff, not before retry_after
    seconds when the provider said so. code: a short stable code ("unknown_number"
    marks the number invalid for every channel)."""

    def __init__(
        self, code: str, *, permanent: bool, retry_after: float | None = None, detail: str = ""
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after


class Provider(Protocol):
    name: str
    # Whether sending twice with the same idempotency key sends one message only.
    honours_idempotency_key: bool

    def send(self, *, to: str, text: str, idempotency_key: str, sender: str) -> SendResult:
        """Sends one message to an E.164 number; raises ProviderError when not taken."""
        ...

    def close(self) -> None:
        """Releases connections (a worker calls it when it stops)."""
        ...
