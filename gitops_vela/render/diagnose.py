"""Turn a failed app evaluation into diagnostics naming the service and the definition.

The app is evaluated as one program; when that fails, each service is
evaluated alone to find the failing ones. A Jsonnet error's stack trace
names the template file, hence the definition. A service that runs out of
time is evaluated again with its workload only, then adding one trait at a
time: the first prefix that times out names the culprit.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping

from gitops_vela.model.appfile import Appfile, Service
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.render import engine
from gitops_vela.render.program import compose

_FRAME = re.compile(r"^\s*(\S+?):(\d+):(\d+)")
_IN_MESSAGE = re.compile(r"(\S+?):(\d+):\d+")
_NAMED = re.compile(r"definition '([a-z0-9-]+)'")


def explain_failure(
    app: Appfile,
    job: engine.Job,
    outcome: engine.Outcome,
    *,
    definitions: Mapping[str, Definition],
    timeout: float,
) -> tuple[Diagnostic, ...]:
    """Diagnostics for an app whose program failed with ``outcome``."""
    if len(app.services) == 1:
        return (_explain_service(app, app.services[0], outcome, job, definitions, timeout),)
    jobs = [_single(app, service, job, definitions, timeout) for service in app.services]
    outcomes = engine.evaluate(jobs)
    found = tuple(
        _explain_service(app, service, result, single, definitions, timeout)
        for service, single, result in zip(app.services, jobs, outcomes, strict=True)
        if not result.ok
    )
    if found:
        return found
    message = _reason(outcome, timeout * len(app.services))
    return (Diagnostic(app.path, f"app {app.name!r}: {message}", app.line, "services"),)


def _single(
    app: Appfile,
    service: Service,
    job: engine.Job,
    definitions: Mapping[str, Definition],
    timeout: float,
) -> engine.Job:
    single, _, _ = compose(
        app,
        [service],
        definitions=definitions,
        context=_context(job),
        revision=_revision(job),
        timeout=timeout,
    )
    return single


def _explain_service(
    app: Appfile,
    service: Service,
    outcome: engine.Outcome,
    job: engine.Job,
    definitions: Mapping[str, Definition],
    timeout: float,
) -> Diagnostic:
    key = f"services.{service.name}"
    if outcome.fatal:
        culprit = _slow_definition(app, service, job, definitions, timeout)
        what = (
            f"did not finish within {timeout:g}s (endless recursion or a loop?)"
            if outcome.timed_out
            else "crashed the Jsonnet engine (stack overflow or out of memory: endless recursion?)"
        )
        message = f"definition {culprit!r} {what} in app {app.name!r}"
        return Diagnostic(app.path, message, service.line, key)
    culprit, where = _blame(outcome.text, service, definitions)
    first = outcome.text.splitlines()[0] if outcome.text else "evaluation failed"
    location = f" at {where}" if where else ""
    return Diagnostic(app.path, f"definition {culprit!r}{location}: {first}", service.line, key)


def _blame(text: str, service: Service, definitions: Mapping[str, Definition]) -> tuple[str, str]:
    """The definition an error comes from, and the innermost template location."""
    used = [service.type, *(t.name for t in service.traits)]
    entries = {definitions[name].entry: name for name in used if name in definitions}
    owners: dict[str, set[str]] = {}
    for name in used:
        for path in definitions[name].sources if name in definitions else ():
            owners.setdefault(path, set()).add(name)
    where = ""
    for path, line in _locations(text):
        if path not in owners:
            continue  # the generated program, or Jsonnet's own <std>
        where = where or f"{path}:{line}"
        if path in entries:
            return entries[path], where
        if len(owners[path]) == 1:
            return next(iter(owners[path])), where
    named = _NAMED.search(text)
    if named and named.group(1) in used:
        return named.group(1), where
    return service.type, where


def _locations(text: str) -> list[tuple[str, str]]:
    """(file, line) of the stack frames, innermost first, after any location in the message."""
    lines = text.splitlines()
    found = [(m.group(1), m.group(2)) for m in _IN_MESSAGE.finditer(lines[0] if lines else "")]
    for line in lines[1:]:
        match = _FRAME.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def _slow_definition(
    app: Appfile,
    service: Service,
    job: engine.Job,
    definitions: Mapping[str, Definition],
    timeout: float,
) -> str:
    """The definition whose addition makes the service run out of time."""
    for count in range(len(service.traits) + 1):
        prefix = dataclasses.replace(service, traits=service.traits[:count])
        if count == len(service.traits) and count > 0:
            return service.traits[-1].name
        (result,) = engine.evaluate([_single(app, prefix, job, definitions, timeout)])
        if result.fatal:
            return service.type if count == 0 else service.traits[count - 1].name
    return service.type


def _context(job: engine.Job) -> dict[str, str]:
    value = json.loads(job.ext_vars["context"])
    return dict(value)


def _revision(job: engine.Job) -> str:
    return job.ext_vars["revision"]


def _reason(outcome: engine.Outcome, timeout: float) -> str:
    if outcome.timed_out:
        return f"did not finish within {timeout:g}s"
    if outcome.crashed:
        return "crashed the Jsonnet engine"
    return outcome.text.splitlines()[0] if outcome.text else "evaluation failed"
