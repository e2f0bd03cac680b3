"""Demo data: the synthetic ward package and the `saikoku demo` start command.

Kept apart from production code: nothing outside this package imports it.
"""
