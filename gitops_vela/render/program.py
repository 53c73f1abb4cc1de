"""Compose the services of an app into one Jsonnet program (the template contract, DESIGN §4).

Each service is evaluated as one expression: the workload's template, then
each trait in written order, every trait seeing the workload as rendered so
far in ``context.output`` and its ``patch`` merged with ``+`` so Jsonnet
mixins (``spec+: {...}``) keep their meaning. Parameters and context travel
as ext vars, so the program text depends only on which definitions are used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_vela.model.appfile import Appfile, Service
from gitops_vela.model.definitions import Definition
from gitops_vela.render.engine import Job

MAIN = "<app>/main.jsonnet"

_BODY = """
local call(role, name, parameter, context) =
  local template = defs[name];
  if std.isFunction(template) then template(parameter, context)
  else error role + " definition '" + name + "': the template must evaluate to "
    + "function(parameter, context), not " + std.type(template);
local field(result, key, name) =
  if std.isObject(result) then std.get(result, key, null)
  else error "definition '" + name + "' returned " + std.type(result) + ", not an object";
local service(s, app) =
  local ctx = app + { name: s.name, workloadType: s.type };
  local w = call('workload', s.type, s.parameter, ctx);
  local start = {
    output: field(w, 'output', s.type),
    outputs: [{ definition: s.type, role: 'workload', objects: field(w, 'outputs', s.type) }],
  };
  local step(acc, t) =
    local r = call('trait', t.type, t.parameter, ctx + { output: acc.output });
    local patch = field(r, 'patch', t.type);
    {
      output:
        if patch == null then acc.output
        else if acc.output == null then
          error "trait '" + t.type + "' patches the workload, but '" + s.type + "' has no output"
        else acc.output + patch,
      outputs: acc.outputs + [{ definition: t.type, role: 'trait', objects: field(r, 'outputs', t.type) }],
    };
  std.foldl(step, s.traits, start);
local app = std.parseJson(std.extVar('context')) + { revision: std.extVar('revision') };
{ [s.name]: service(s, app) for s in std.parseJson(std.extVar('services')) }
"""


def compose(
    app: Appfile,
    services: Sequence[Service],
    *,
    definitions: Mapping[str, Definition],
    context: Mapping[str, str],
    revision: str,
    timeout: float,
) -> tuple[Job, str, bool]:
    """The job evaluating ``services`` of ``app``, its cache key, and whether a template
    mentions ``revision``.

    The key leaves the revision out: otherwise every commit would re-render
    every app although few templates look at ``context.revision`` (the
    caller decides, see ``repository._evaluate``).
    """
    names = sorted({s.type for s in services} | {t.name for s in services for t in s.traits})
    used = [definitions[name] for name in names]
    imports = "".join(f"  {json.dumps(n)}: import {json.dumps(_entry(n))},\n" for n in names)
    source = f"// gitops-vela: app {app.name} ({app.path})\nlocal defs = {{\n{imports}}};{_BODY}"
    files: dict[str, str] = {}
    for definition in used:
        files.update(definition.sources)
    payload = json.dumps([_service(s) for s in services], sort_keys=True, default=str)
    ctx = json.dumps(dict(context), sort_keys=True)
    job = Job(
        filename=MAIN,
        source=source,
        files=files,
        entries={_entry(d.name): d.entry for d in used},
        # std.parseJson of a string is ~3x faster than parsing JSON as Jsonnet code
        ext_vars={"services": payload, "context": ctx, "revision": revision},
        timeout=timeout,
    )
    key = hashlib.sha256()
    for part in (source, payload, ctx, *(d.digest for d in used)):
        key.update(part.encode() + b"\0")
    return job, key.hexdigest(), any(uses_revision(d) for d in used)


def uses_revision(definition: Definition) -> bool:
    return any("revision" in text for text in definition.sources.values())


def _entry(name: str) -> str:
    return f"<def:{name}>"


def _service(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "type": service.type,
        "parameter": service.parameters,
        "traits": [{"type": t.name, "parameter": t.parameters} for t in service.traits],
    }
