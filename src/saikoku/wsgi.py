import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
application = get_wsgi_application()


def _refuse_unsafe_production() -> None:
    # gunicorn imports this module without Django's system checks: a production server
    # runs them here and refuses to start on an error (core/checks.py, saikoku.E1xx).
    from django.conf import settings
    from django.core.management import call_command

    if settings.SAIKOKU_PRODUCTION:
        call_command("check", deploy=True, fail_level="ERROR")


_refuse_unsafe_production()
