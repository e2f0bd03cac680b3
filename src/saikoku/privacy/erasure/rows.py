"""The rows erased: a resident's rows and every row that hangs off them, found through
the models' relations, deleted in an order the foreign keys accept, in chunks of ids.

SQL here names only tables from the models' metadata, quoted by the engine; no value
is ever part of it.
"""

# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils.translation import gettext as _

from saikoku.privacy.erasure.result import ErasureError, ErasureResult
from saikoku.privacy.erasure.tables import KEPT

CHUNK = 2000


def _models_by_table() -> dict[str, type[models.Model]]:
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def _deletion_order(tables: Iterable[str]) -> list[type[models.Model]]:
    """The models of `tables`, every one after all those that point at it."""
    by_table = _models_by_table()
    chosen = {by_table[t] for t in tables if t in by_table}
    pointing: dict[type[models.Model], set[type[models.Model]]] = {m: set() for m in chosen}
    for model in chosen:
        for f in model._meta.fields:
            parent = f.related_model if f.is_relation else None
            if parent in chosen and parent is not model:
                pointing[parent].add(model)  # type: ignore[index]
    order: list[type[models.Model]] = []
    while pointing:
        ready = sorted(
            (m for m, children in pointing.items() if not children - set(order)),
            key=lambda m: m._meta.db_table,
        )
        if not ready:  # a cycle of foreign keys: constraints are checked at commit
            ready = sorted(pointing, key=lambda m: m._meta.db_table)
        for model in ready:
            order.append(model)
            del pointing[model]
    return order


def chunks(ids: list[int]) -> Iterator[list[int]]:
    """`ids` in slices of CHUNK, so that no `IN (...)` outgrows the engine's limits."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _label(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name)


def dependents(model: type[models.Model], ids: set[int], found: dict[Any, set[int]]) -> None:
    """Adds to `found` the ids of `model` and, recursively, of every row pointing at them."""
    new = ids - found.setdefault(model, set())
    if not new:
        return
    found[model] |= new
    for rel in model._meta.related_objects:
        if rel.many_to_many or rel.related_model is None:
            continue
        child = rel.related_model
        if child._meta.db_table in KEPT:
            # A kept row pointing at a resident's row: never expected (a test keeps the
            # split honest); refuse rather than leave a dangling reference.
            column = rel.field.attname
            for chunk in chunks(sorted(new)):
                if child._base_manager.filter(**{f"{column}__in": chunk}).exists():
                    raise ErasureError(
                        _("%(table)s が消去する行を参照しています。")
                        % {"table": child._meta.db_table}
                    )
            continue
        column = rel.field.attname
        child_ids: set[int] = set()
        for chunk in chunks(sorted(new)):
            child_ids.update(
                child._base_manager.filter(**{f"{column}__in": chunk}).values_list("pk", flat=True)
            )
        if rel.on_delete is models.SET_NULL:
            for chunk in chunks(sorted(child_ids)):
                child._base_manager.filter(pk__in=chunk).update(**{column: None})
            continue
        dependents(child, child_ids, found)


def delete_rows(found: dict[Any, set[int]], result: ErasureResult) -> None:
    """Deletes the rows `dependents` found, children first, counting them per model."""
    for model in _deletion_order(m._meta.db_table for m in found):
        ids = sorted(found.get(model, ()))
        for chunk in chunks(ids):
            model._base_manager.filter(pk__in=chunk)._raw_delete(connection.alias)
        if ids:
            result.counts[_label(model)] = result.counts.get(_label(model), 0) + len(ids)


def empty_tables(tables: Iterable[str], result: ErasureResult) -> None:
    """Empties these tables, children first, counting the rows per model."""
    for model in _deletion_order(tables):
        count = model._base_manager.count()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        if count:
            result.counts[_label(model)] = count
