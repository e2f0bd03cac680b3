"""The `saikoku` command: Django's management commands under friendlier names.

`saikoku import PKG.zip` runs the `import_package` command, `saikoku demo-package` runs
`demo_package`, and so on: dashes become underscores, and `import` (a Python keyword, so
not a module name) maps to `import_package`.
"""

from __future__ import annotations

import os
import sys

ALIASES = {"import": "import_package"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saikoku.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        name = argv[1]
        argv[1] = ALIASES.get(name, name.replace("-", "_"))
    argv[0] = "saikoku"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
