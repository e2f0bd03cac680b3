"""DATABASE_URL (settings.database_from_url): the query string's parameters reach
psycopg as they are, which is how a URL names a primary and its standby for failover
(docs/operations/failover.md)."""

from __future__ import annotations

from django.db.utils import ConnectionHandler

from saikoku.settings import database_from_url

FAILOVER = (
    "postgres://saikoku:secret@/saikoku?host=db1.example,db2.example&port=5432,5433"
    "&target_session_attrs=read-write&connect_timeout=2"
)


def test_a_url_naming_two_servers_passes_both_and_the_write_target_to_psycopg():
    config = database_from_url(FAILOVER, conn_max_age=60)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("saikoku", "saikoku", "secret")
    assert config["HOST"] == "" and config["PORT"] == ""
    assert config["CONN_MAX_AGE"] == 60
    params = ConnectionHandler({"default": config})["default"].get_connection_params()
    assert params["host"] == "db1.example,db2.example"
    assert params["port"] == "5432,5433"
    assert params["target_session_attrs"] == "read-write"
    assert params["connect_timeout"] == 2
    assert params["dbname"] == "saikoku" and params["user"] == "saikoku"


def test_a_plain_url_is_unchanged():
    config = database_from_url("postgres://postgres@127.0.0.1:5432/saikoku")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("127.0.0.1", 5432, "saikoku")
    assert "OPTIONS" not in config
