from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Config(AppConfig):
    name = "saikoku.core"
    label = "core"
    verbose_name = _("利用者・権限・監査")

    def ready(self) -> None:
        # Django's login views announce logins only through the auth signals; the
        # receivers are thin and only write the audit entry (see auth_audit.py) and
        # keep the register of sessions (login_flow.py).
        from saikoku.core import (  # noqa: F401
            auth_audit,
            checks,
            lockout,
            login_flow,
            networks,
            request_id,
        )

        auth_audit.connect()
        login_flow.connect()
        lockout.connect()
        # A task run by a background worker gets a request id of its own.
        request_id.connect()
        # A user may log in only from their organisation's networks (checked after the
        # password matched, refused with the generic failure).
        login_flow.register_login_check(networks.network_login_check)
