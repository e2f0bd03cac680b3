"""The authentication backend: Django's ModelBackend (Argon2id passwords) plus the
login checks of core/login_flow.py (validity period, and whatever registers there)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from saikoku.core.login_flow import login_allowed


class HandlerBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not login_allowed(request, user):
            # The same None as a wrong password: the form says the same generic words.
            return None
        return user

    def user_can_authenticate(self, user: Any) -> bool:
        # A designated handler logs in only inside their validity period (BRIEF.md:
        # handlers reported to the ward), in the ward's days (Asia/Tokyo). Also asked
        # for the user of every request (get_user): a session outlives neither the
        # account's deactivation nor the end of its validity period.
        from django.utils import timezone

        return super().user_can_authenticate(user) and user.valid_on(timezone.localdate())
