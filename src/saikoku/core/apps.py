from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.core"
    label = "core"

    def ready(self) -> None:
        # Django's login views announce logins only through the auth signals; the
        # receivers are thin and only write the audit entry (see auth_audit.py).
        from saikoku.core import auth_audit

        auth_audit.connect()
