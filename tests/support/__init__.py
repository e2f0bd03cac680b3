"""What tests share: packages built through the real writer, personas, simulators.

Imported as `support.…` (pyproject.toml puts tests/ on the path)."""
