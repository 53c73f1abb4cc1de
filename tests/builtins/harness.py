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
    if isinstance(value, dict):
        out = dict(value)
        for key, sub in schema.get("properties", {}).items():
            if key not in out and "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
            if key in out:
                out[key] = fill_defaults(sub, out[key])
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


def _definitions(root: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    found = {}
    for base in (BUILTIN, root / "definitions"):
        for file in sorted(base.glob("*.yaml")):
            doc = yaml.safe_load(file.read_text())
            found[doc["metadata"]["name"]] = (base, doc)
    return found


def render_repo(root: Path) -> dict[str, list[dict[str, Any]]]:
    """Every Appfile under ``root/apps`` rendered: app name -> objects."""
    defs = _definitions(root)
    apps: dict[str, list[dict[str, Any]]] = {}
    for appfile in sorted(root.glob("apps/**/vela.yaml")):
        app = yaml.safe_load(appfile.read_text())
        objects: list[dict[str, Any]] = []
        for name, body in app["services"].items():
            body = dict(body)
            workload = body.pop("type", "webservice")
            traits = [
                (k, body.pop(k))
                for k in list(body)
                if defs.get(k, (0, {}))[1].get("kind") == "TraitDefinition"
            ]
            for key, paths in list(body.items()):
                if key == "files":
                    docs = []
                    for p in paths:
                        docs += [
                            d for d in yaml.safe_load_all((appfile.parent / p).read_text()) if d
                        ]
                    body[key] = docs
            base = defs[workload][0]
            for trait, _ in traits:
                assert defs[trait][0] in (base, BUILTIN) or True
            result = _render_mixed(
                defs,
                workload,
                body,
                traits,
                name=name,
                app=app["name"],
                namespace=app.get("namespace", "default"),
            )
            objects.append(result["output"])
            objects.extend(result["outputs"].values())
        apps[app["name"]] = objects
    return apps


def _render_mixed(defs, workload, params, traits, *, name, app, namespace):  # type: ignore[no-untyped-def]
    ctx = {
        "appName": app,
        "name": name,
        "namespace": namespace,
        "revision": "0" * 40,
        "repo": "sample",
        "workloadType": workload,
    }

    def entry(n: str) -> str:
        base, doc = defs[n]
        return json.dumps(str((base / doc["spec"]["schematic"]["jsonnet"]["file"]).resolve()))

    wdef = defs[workload][1]
    if "files" in params:
        files = params.pop("files")
        p = parameters(wdef, params)
        p["files"] = files
    else:
        p = parameters(wdef, params)
    lines = [
        f"local ctx = {json.dumps(ctx)};",
        f"local w = (import {entry(workload)})({json.dumps(p)}, ctx);",
        "local o0 = w.output;",
    ]
    outs = ["w.outputs"]
    for i, (trait, tparams) in enumerate(traits, start=1):
        tp = json.dumps(parameters(defs[trait][1], tparams))
        lines.append(f"local t{i} = (import {entry(trait)})({tp}, ctx {{output: o{i - 1}}});")
        lines.append(f"local o{i} = o{i - 1} + t{i}.patch;")
        outs.append(f"t{i}.outputs")
    lines.append(f"{{output: o{len(traits)}, outputs: {' + '.join(outs)}}}")
    out: dict[str, Any] = json.loads(
        _gojsonnet.evaluate_snippet("svc.jsonnet", "\n".join(lines), jpathdir=[str(BUILTIN)])
    )
    return out
