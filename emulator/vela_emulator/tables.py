"""``meta.k8s.io/v1`` Table responses, which ``kubectl get`` asks for.

Built-in kinds print the apiserver's columns (:mod:`.printers`); custom
resources print Name plus their CRD's ``additionalPrinterColumns`` (Age only
when the CRD declares none), with ``priority`` kept so kubectl shows
priority-1 columns only with ``-o wide``. A JSONPath cell is the first value
it finds (``containers[*].name`` prints the first name), as the apiserver's
CRD table convertor does; nothing found prints ``<none>``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vela_emulator.calls import Obj
from vela_emulator.printers import KIND_COLUMNS, Column, age, human_duration, since
from vela_emulator.registry import ResourceType

__all__ = ["columns_for", "human_duration", "table", "wants_table"]

_NAME = Column("Name", "string", lambda o: o["metadata"]["name"])
_AGE = Column("Age", "date", age)
_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


def first_value(obj: Any, path: str) -> Any:
    """The first value a simple JSONPath (``.a.b[*].c``, ``.a[0]``) finds in ``obj``, else None."""
    found = [obj]
    for name, index in _STEP.findall(path.strip().strip("{}").lstrip(".")):
        step: list[Any] = []
        for value in found:
            if name:
                if isinstance(value, dict) and name in value:
                    step.append(value[name])
            elif isinstance(value, list):
                step.extend(value if index == "*" else value[int(index) : int(index) + 1])
        found = step
    return found[0] if found else None


def _crd_cell(path: str, kind: str) -> Callable[[Obj], Any]:
    def cell(obj: Obj) -> Any:
        value = first_value(obj, path)
        if kind == "date" and value is not None:
            return since(value)
        return value

    return cell


def _crd_columns(rtype: ResourceType) -> list[Column]:
    if not rtype.printer_columns:
        return [_AGE]
    return [
        Column(
            str(col.get("name", "")),
            str(col.get("type", "string")),
            _crd_cell(str(col.get("jsonPath", "")), str(col.get("type", "string"))),
            int(col.get("priority", 0) or 0),
        )
        for col in rtype.printer_columns
    ]


def columns_for(rtype: ResourceType) -> list[Column]:
    if rtype.crd:
        return [_NAME, *_crd_columns(rtype)]
    columns = KIND_COLUMNS.get((rtype.group, rtype.kind))
    if columns is None:
        return [_NAME, _AGE]
    if rtype.kind == "Event":
        return columns
    return [_NAME, *columns]


def _row_object(obj: Obj, include: str) -> Obj | None:
    if include == "None":
        return None
    if include == "Object":
        return obj
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }


def _definition(column: Column) -> Obj:
    kind = "string" if column.type == "date" and column is _AGE else column.type
    return {
        "name": column.name,
        "type": kind,
        "format": "name" if column is _NAME else "",
        "description": "",
        "priority": column.priority,
    }


def table(
    rtype: ResourceType, objects: list[Obj], *, include: str, metadata: Obj | None = None
) -> Obj:
    columns = columns_for(rtype)
    rows = []
    for obj in objects:
        row: Obj = {"cells": [_cell(column.cell, obj) for column in columns]}
        included = _row_object(obj, include)
        if included is not None:
            row["object"] = included
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata or {},
        "columnDefinitions": [_definition(column) for column in columns],
        "rows": rows,
    }


def _cell(cell: Callable[[Obj], Any], obj: Obj) -> Any:
    value = cell(obj)
    return "<none>" if value is None else value


def wants_table(accept: str) -> bool:
    return "as=Table" in accept.replace(" ", "")
