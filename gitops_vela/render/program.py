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
from dataclasses import dataclass
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
  local w = call('workload', s.ref, s.parameter, ctx);
  local start = {
    output: field(w, 'output', s.ref),
    outputs: [{ definition: s.ref, role: 'workload', objects: field(w, 'outputs', s.ref) }],
  };
  local step(acc, t) =
    local r = call('trait', t.ref, t.parameter, ctx + { output: acc.output });
    local patch = field(r, 'patch', t.ref);
    {
      output:
        if patch == null then acc.output
        else if acc.output == null then
          error "trait '" + t.type + "' patches the workload, but '" + s.type + "' has no output"
        else acc.output + patch,
      outputs: acc.outputs + [{ definition: t.ref, role: 'trait', objects: field(r, 'outputs', t.ref) }],
    };
  std.foldl(step, s.traits, start);
local revision = std.extVar('revision');
[
  { [s.name]: service(s, part.context + { revision: revision }) for s in part.services }
  for part in std.parseJson(std.extVar('parts'))
]
"""


@dataclass(frozen=True)
class Part:
    """Services of one app to evaluate, with the app's context (appName, namespace, repo)."""

    app: Appfile
    services: Sequence[Service]
    context: Mapping[str, str]

    @property
    def definitions(self) -> list[str]:
        """Refs of the definition versions the services use (the keys of ``definitions``)."""
        refs = {s.ref for s in self.services} | {t.ref for s in self.services for t in s.traits}
        return sorted(refs)

    def payload(self) -> dict[str, Any]:
        return {"context": dict(self.context), "services": [_service(s) for s in self.services]}


def compose(
    parts: Sequence[Part],
    *,
    definitions: Mapping[str, Definition],
    revision: str,
    timeout: float,
) -> Job:
    """One job evaluating several apps' services; its result is a list, one map per part.

    Batching small apps into one evaluation pays Jsonnet's per-evaluation
    costs (the first ``std.format``, forcing the library) once per batch.
    ``definitions`` maps a ref (``name`` or ``name@version``) to that version.
    """
    names = sorted({name for part in parts for name in part.definitions})
    used = [definitions[name] for name in names]
    imports = "".join(f"  {json.dumps(n)}: import {json.dumps(_entry(n))},\n" for n in names)
    apps = ", ".join(f"{p.app.name} ({p.app.path})" for p in parts)
    source = f"// gitops-vela: {apps}\nlocal defs = {{\n{imports}}};{_BODY}"
    files: dict[str, str] = {}
    for definition in used:
        files.update(definition.sources)
    payload = json.dumps([part.payload() for part in parts], sort_keys=True, default=str)
    return Job(
        filename=MAIN,
        source=source,
        files=files,
        entries={_entry(d.ref): d.entry for d in used},
        # std.parseJson of a string is ~3x faster than parsing JSON as Jsonnet code
        ext_vars={"parts": payload, "revision": revision},
        timeout=timeout,
    )


def part_key(part: Part, *, definitions: Mapping[str, Definition]) -> tuple[str, bool]:
    """The cache key of a part's result, and whether a used template mentions ``revision``.

    The key leaves the revision out: otherwise every commit would re-render
    every app although few templates look at ``context.revision`` (the
    caller decides, see ``repository._evaluate``).
    """
    used = [definitions[name] for name in part.definitions]
    key = hashlib.sha256(_VERSION)
    payload = json.dumps(part.payload(), sort_keys=True, default=str)
    for text in (payload, *(f"{d.ref}={d.digest}" for d in used)):
        key.update(text.encode() + b"\0")
    return key.hexdigest(), any(uses_revision(d) for d in used)


_VERSION = hashlib.sha256(_BODY.encode()).digest()


def uses_revision(definition: Definition) -> bool:
    return any("revision" in text for text in definition.sources.values())


def _entry(name: str) -> str:
    return f"<def:{name}>"


def _service(service: Service) -> dict[str, Any]:
    return {
        "name": service.name,
        "type": service.type,
        "ref": service.ref,
        "parameter": service.parameters,
        "traits": [
            {"type": t.name, "ref": t.ref, "parameter": t.parameters} for t in service.traits
        ],
    }
