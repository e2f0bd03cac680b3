"""Run inside one started instance's environment (`python -m support.instance_tool …`
with its env file loaded) by the tests of the production layout, for what a test
cannot do through the console: make a user with an enrolled authenticator, read
audit entries.

    user NAME ROLE [DEPARTMENT]   makes the user; prints its TOTP device as JSON
    audit ACTION                  prints the client addresses of ACTION's entries
"""

from __future__ import annotations

import json
import sys

import django


def main(argv: list[str]) -> None:
    django.setup()
    from saikoku.core.models import AuditEntry
    from support.personas import device_of, make_user

    command, *args = argv
    if command == "user":
        name, role, *department = args
        user = make_user(name, role, department[0] if department else "")
        device = device_of(user)
        print(
            json.dumps(
                {
                    "key": device.bin_key.hex(),
                    "step": device.step,
                    "t0": device.t0,
                    "digits": device.digits,
                }
            )
        )
    elif command == "audit":
        (action,) = args
        entries = AuditEntry.objects.filter(action=action).order_by("seq")
        print(json.dumps(list(entries.values_list("client_addr", flat=True))))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
