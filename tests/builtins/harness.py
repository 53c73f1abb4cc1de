"""A stand-in for the foundation renderer, following the template contract of
BRIEF.md, until ``gitops_vela.render`` lands: one Jsonnet program per service,
workload then traits in order, each trait seeing the output rendered so far."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import _gojsonnet
import jsonschema
import yaml

BUILTIN = Path(__file__).resolve().parents[2] / "gitops_vela" / "catalog" / "builtin"


def load_definition(name: str, root: Path = BUILTIN) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((root / f"{name}.yaml").read_text())
    return doc


def fill_defaults(schema: dict[str, Any], value: Any) -> Any:
    """The schema's defaults filled into ``value`` (jsonschema alone does not)."""
    if isinstance(value, dict) and schema.get("type") == "object":
        props = schema.get("properties", {})
        out = {k: fill_defaults(props.get(k, {}), v) for k, v in value.items()}
        for key, sub in props.items():
            if key not in out and "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
        return out
    if isinstance(value, list) and "items" in schema:
        return [fill_defaults(schema["items"], v) for v in value]
    return value


def parameters(definition: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    schema = definition["spec"]["parameters"]
    jsonschema.Draft202012Validator(schema).validate(values)
    filled: dict[str, Any] = fill_defaults(schema, values)
    return filled


def render_service(
    workload: str,
    params: dict[str, Any],
    traits: list[tuple[str, dict[str, Any]]] = (),  # type: ignore[assignment]
    *,
    name: str = "svc",
    app: str = "app",
    namespace: str = "default",
    root: Path = BUILTIN,
) -> dict[str, Any]:
    """``{"output": ..., "outputs": ...}`` of one service."""
    ctx = {
        "appName": app,
        "name": name,
        "namespace": namespace,
        "revision": "0" * 40,
        "repo": "sample",
        "workloadType": workload,
    }

    def template(kind_name: str) -> str:
        definition = load_definition(kind_name, root)
        path = definition["spec"]["schematic"]["jsonnet"]["file"]
        return json.dumps(str((root / path).resolve()))

    wdef = load_definition(workload, root)
    lines = [
        f"local ctx = {json.dumps(ctx)};",
        f"local w = (import {template(workload)})({json.dumps(parameters(wdef, params))}, ctx);",
        "local o0 = w.output;",
    ]
    outputs = ["w.outputs"]
    for i, (trait, tparams) in enumerate(traits, start=1):
        tdef = load_definition(trait, root)
        tp = json.dumps(parameters(tdef, tparams))
        lines.append(f"local t{i} = (import {template(trait)})({tp}, ctx {{output: o{i - 1}}});")
        lines.append(f"local o{i} = o{i - 1} + t{i}.patch;")
        outputs.append(f"t{i}.outputs")
    lines.append(f"{{output: o{len(traits)}, outputs: {' + '.join(outputs)}}}")
    src = "\n".join(lines)
    result: dict[str, Any] = json.loads(
        _gojsonnet.evaluate_snippet("service.jsonnet", src, jpathdir=[str(BUILTIN)])
    )
    return result
