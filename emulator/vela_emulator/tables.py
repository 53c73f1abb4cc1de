"""``meta.k8s.io/v1`` Table responses, which ``kubectl get`` asks for.

Columns follow the apiserver's printers for common kinds (a subset), CRDs'
``additionalPrinterColumns``, and always end with Age.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from vela_emulator.calls import Obj, get_path
from vela_emulator.registry import ResourceType

Column = tuple[str, str, Callable[[Obj], Any]]  # name, type, cell


def human_duration(seconds: float) -> str:
    """Like ``k8s.io/apimachinery/pkg/util/duration.HumanDuration``."""
    s = int(max(seconds, 0))
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def _age(obj: Obj) -> str:
    stamp = obj["metadata"].get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    created = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return human_duration((datetime.now(UTC) - created).total_seconds())


def _ready(obj: Obj) -> str:
    status = obj.get("status") or {}
    return f"{status.get('readyReplicas', 0)}/{(obj.get('spec') or {}).get('replicas', 1)}"


def _ports(obj: Obj) -> str:
    ports = (obj.get("spec") or {}).get("ports") or []
    parts = []
    for p in ports:
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        parts.append(f"{p.get('port')}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _external_ip(obj: Obj) -> str:
    ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ips = [i.get("ip") or i.get("hostname") for i in ingress]
    if ips:
        return ",".join(str(i) for i in ips)
    return "<pending>" if (obj.get("spec") or {}).get("type") == "LoadBalancer" else "<none>"


_KIND_COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("", "Namespace"): [("Status", "string", lambda o: (o.get("status") or {}).get("phase", ""))],
    ("", "ConfigMap"): [
        ("Data", "integer", lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {}))
    ],
    ("", "Secret"): [
        ("Type", "string", lambda o: o.get("type", "")),
        ("Data", "integer", lambda o: len(o.get("data") or {})),
    ],
    ("", "Service"): [
        ("Type", "string", lambda o: (o.get("spec") or {}).get("type", "ClusterIP")),
        ("Cluster-IP", "string", lambda o: (o.get("spec") or {}).get("clusterIP", "<none>")),
        ("External-IP", "string", _external_ip),
        ("Port(s)", "string", _ports),
    ],
    ("apps", "Deployment"): [
        ("Ready", "string", _ready),
        ("Up-to-date", "integer", lambda o: (o.get("status") or {}).get("updatedReplicas", 0)),
        ("Available", "integer", lambda o: (o.get("status") or {}).get("availableReplicas", 0)),
    ],
    ("apps", "StatefulSet"): [("Ready", "string", _ready)],
    ("apps", "ReplicaSet"): [
        ("Desired", "integer", lambda o: (o.get("spec") or {}).get("replicas", 1)),
        ("Current", "integer", lambda o: (o.get("status") or {}).get("replicas", 0)),
        ("Ready", "integer", lambda o: (o.get("status") or {}).get("readyReplicas", 0)),
    ],
    ("batch", "Job"): [
        ("Status", "string", lambda o: _job_status(o)),
        (
            "Completions",
            "string",
            lambda o: (
                f"{(o.get('status') or {}).get('succeeded', 0)}/{(o.get('spec') or {}).get('completions', 1)}"
            ),
        ),
    ],
    ("apiextensions.k8s.io", "CustomResourceDefinition"): [
        ("Created At", "date", lambda o: o["metadata"].get("creationTimestamp", "")),
    ],
}


def _job_status(obj: Obj) -> str:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "Failed"):
            return str(cond["type"])
    return "Running"


def _crd_columns(rtype: ResourceType) -> list[Column]:
    columns: list[Column] = []
    for col in rtype.printer_columns:
        cell = _path_cell(str(col.get("jsonPath", "")))
        columns.append((str(col.get("name", "")), str(col.get("type", "string")), cell))
    return columns


def _path_cell(path: str) -> Callable[[Obj], Any]:
    return lambda obj: get_path(obj, path)


def columns_for(rtype: ResourceType) -> list[Column]:
    extra = _crd_columns(rtype) if rtype.crd else _KIND_COLUMNS.get((rtype.group, rtype.kind), [])
    name: Column = ("Name", "string", lambda o: o["metadata"]["name"])
    # CRDs print their creation time instead of an age, as the apiserver's printer does
    has_age = any(c[0] in ("Age", "Created At") for c in extra)
    return [name, *extra] if has_age else [name, *extra, ("Age", "date", _age)]


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


def table(
    rtype: ResourceType, objects: list[Obj], *, include: str, metadata: Obj | None = None
) -> Obj:
    columns = columns_for(rtype)
    rows = []
    for obj in objects:
        row: Obj = {"cells": [_cell(cell, obj) for _, _, cell in columns]}
        included = _row_object(obj, include)
        if included is not None:
            row["object"] = included
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata or {},
        "columnDefinitions": [
            {
                "name": name,
                "type": "string" if kind == "date" else kind,
                "format": "name" if name == "Name" else "",
                "description": "",
                "priority": 0,
            }
            for name, kind, _ in columns
        ],
        "rows": rows,
    }


def _cell(cell: Callable[[Obj], Any], obj: Obj) -> Any:
    value = cell(obj)
    return "<none>" if value is None else value


def wants_table(accept: str) -> bool:
    return "as=Table" in accept.replace(" ", "")
