"""The `saikoku` command: Django's management commands under friendlier names.

`saikoku import PKG.zip` runs the `import_package` command, `saikoku demo-package` runs
`demo_package`, and so on: dashes become underscores, and `import` (a Python keyword, so
not a module name) maps to `import_package`. `saikoku` alone, `saikoku --help` and
`saikoku help` list the commands by the names README.md uses.

Before a command that reads or writes the database runs, the database is checked: on
a data folder that was never migrated (or is behind the code) the command says in one
line to run `saikoku migrate` first and exits 2, instead of a traceback; and it creates
nothing on the way (no empty SQLite file; the key files are made on first use, see
settings._local_secret).
"""

from __future__ import annotations

import os
import sys

ALIASES = {"import": "import_package"}

# The commands of README.md, in its order, with one line each (Japanese / English: the
# help is read before any language is chosen).
COMMANDS: dict[str, str] = {
    "import": "区のパッケージ（ZIP）を取り込む / import a ward package",
    "demo-package": "デモ用の合成パッケージを書き出す / write a synthetic ward package",
    "demo": "デモを準備して起動する / prepare and start the demo",
    "demo-otp": "デモ利用者の現在のログインコード / a demo user's current login code",
    "late-charge": "延滞金と合計を計算する / late charge and total if paid on a day",
    "export-results": "区への結果パッケージを作る / the results package for the ward",
    "promises-evaluate": "納付約束の履行・不履行を判定する / judge promises to pay",
    "sms": "SMSの送信ワーカー（worker）と試験送信（test-send） / the SMS worker, a test send",
    "audit": "監査ログの検証（verify）と先頭（head） / verify the audit trail, print its head",
    "keys": "暗号鍵の状態（status）と更新（rotate） / encryption keys: status, rotate",
    "backup": "暗号化したバックアップを作る / an encrypted backup of the database and files",
    "restore": "バックアップを空のデータベースに復元する / restore a backup into an empty database",
    "erase": "個人データを消去し消去報告書を作る / erase personal data, the erasure certificate",
    "returned-mail": "返戻郵便のCSVを一括登録する（import） / register returned mail from a CSV",
    "inquiries-overdue": "回答期限を過ぎた照会をタスクにする / overdue inquiries become tasks",
    "report": "業務報告書（monthly）とその作成ワーカー（worker） / the monthly report, its worker",
    "cti": "電話システム連携（simulate, ami-listen） / phone system: simulate, ami-listen",
    "inbound-unanswered": "応答のない転送を折返しにする / unanswered transfers become call-backs",
    "migrate": "データベースを作成・更新する / create or update the database",
    "createsuperuser": "管理者アカウントを作る / create an admin account",
}

# Commands that need no migrated database: they create it (migrate, demo), touch no
# database, or only look at the code. Every other command is checked first.
NO_DATABASE = frozenset(
    {
        "migrate",
        "demo",
        "demo_package",
        "help",
        "version",
        "check",
        "compilemessages",
        "makemessages",
        "makemigrations",
        "squashmigrations",
        "optimizemigration",
        "diffsettings",
        "shell",
        "startapp",
        "startproject",
        "sendtestemail",
        "collectstatic",
        "findstatic",
        "test",
        # Computes with the shipped rates when there is no database yet (its --help
        # says so): a late charge can be worked out before anything is imported.
        "late_charge",
        # Restores into an empty database, or one that does not exist yet; it checks
        # the target itself (privacy/backup/restore.py, target_problem).
        "restore",
    }
)
# Commands of which only some subcommands need the database: `cti simulate` sends
# HTTP to a running server, while `cti ami-listen` writes the calls it hears.
NO_DATABASE_SUBCOMMANDS: dict[str, frozenset[str]] = {"cti": frozenset({"simulate"})}
# Commands that create the embedded database: its folder must exist first.
CREATE_DATABASE = frozenset({"migrate", "demo"})
EXIT_NOT_READY = 2


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    argv[0] = "saikoku"
    if len(argv) == 1 or argv[1] in ("-h", "--help") or argv[1:] == ["help"]:
        sys.stdout.write(_overview())
        return
    if argv[1] == "help" and len(argv) > 2 and argv[2] != "--commands":
        argv[2] = ALIASES.get(argv[2], argv[2].replace("-", "_"))
    if argv[1].startswith("-"):
        _django(argv)
        return
    name = argv[1]
    command = ALIASES.get(name, name.replace("-", "_"))

    import django

    django.setup()
    from django.core.management import get_commands

    app = get_commands().get(command)
    asks_for_help = any(arg in ("-h", "--help") for arg in argv[2:])
    if app is not None and not asks_for_help:
        _prepare_database(command, argv[2:])
    if app is None or not app.startswith("saikoku."):
        argv[1] = command
        _django(argv)
        return
    _run_own(app, command, argv)


def _run_own(app: str, command: str, argv: list[str]) -> None:
    """Runs one of the project's commands under the name that was typed, so its usage
    and errors say `saikoku late-charge` as README.md does, and a CommandError is one
    line `saikoku late-charge: <message>` (BaseCommand.run_from_argv, without its
    English "CommandError:" prefix)."""
    from django.core.management import CommandError, load_command_class
    from django.core.management.base import handle_default_options
    from django.db import connections

    runner = load_command_class(app, command)
    parser = runner.create_parser("saikoku", argv[1])
    options = parser.parse_args(argv[2:])
    handle_default_options(options)
    cmd_options = vars(options)
    args = cmd_options.pop("args", ())
    try:
        runner.execute(*args, **cmd_options)
    except CommandError as error:
        if cmd_options.get("traceback"):
            raise
        sys.stderr.write(f"saikoku {argv[1]}: {error}\n")
        sys.exit(error.returncode)
    finally:
        connections.close_all()


def _django(argv: list[str]) -> None:
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def _overview() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "使い方 / usage: saikoku <コマンド / command> [options]",
        "",
        *(f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()),
        "",
        "saikoku <command> --help: そのコマンドの説明 / that command's options",
        "saikoku help --commands: Django のコマンドをすべて表示 / every Django command",
        "",
    ]
    return "\n".join(lines)


def _needs_no_database(command: str, args: list[str]) -> bool:
    if command in NO_DATABASE:
        return True
    subcommand = next((arg for arg in args if not arg.startswith("-")), "")
    return subcommand in NO_DATABASE_SUBCOMMANDS.get(command, frozenset())


def _prepare_database(command: str, args: list[str]) -> None:
    """Creates the embedded database's folder for the commands that create it; for the
    others, exits with one line when the database is missing or behind the code."""
    from django.db import DEFAULT_DB_ALIAS, connections

    from saikoku.cli import database_problem, sqlite_file

    connection = connections[DEFAULT_DB_ALIAS]
    if command in CREATE_DATABASE:
        path = sqlite_file(connection)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        return
    if _needs_no_database(command, args):
        return
    problem = database_problem(connection)
    if problem:
        sys.stderr.write(f"saikoku: {problem}\n")
        sys.exit(EXIT_NOT_READY)


if __name__ == "__main__":
    main()
