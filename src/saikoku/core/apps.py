from django.apps import AppConfig


class Config(AppConfig):
    name = "saikoku.core"
    label = "core"

    def ready(self) -> None:
        # Django's login views announce logins only through the auth signals; the
        # receivers are thin and only write the audit entry (see auth_audit.py) and
        # keep the register of sessions (login_flow.py).
        from saikoku.core import auth_audit, checks, login_flow  # noqa: F401 - registers

        auth_audit.connect()
        login_flow.connect()
