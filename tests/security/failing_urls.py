"""A URLconf for test_error_pages.py: the project's URLs plus views that fail the way
a database or a file system does, with SQL and a server path in the message."""

from django.db import OperationalError
from django.urls import path

from saikoku.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401

SQL = 'SELECT "core_user"."password" FROM "core_user" WHERE "core_user"."id" = 1'
SERVER_PATH = "/srv/saikoku/var/saikoku.sqlite3"


def _database_fails(request):
    raise OperationalError(f"syntax error at or near {SQL!r} in {SERVER_PATH}")


def _file_fails(request):
    raise FileNotFoundError(2, "No such file or directory", SERVER_PATH)


urlpatterns = [
    path("fails/database/", _database_fails),
    path("fails/file/", _file_fails),
    *urlpatterns,
]
