"""Turn a failed app evaluation into diagnostics naming the service and the definition.

An app (or a part of a big one) is evaluated as one program; when that fails, each service is
evaluated alone to find the failing ones. A Jsonnet error's stack trace
names the template file, hence the definition. A service that runs out of
time is evaluated again with its workload only, then adding one trait at a
time: the first prefix that times out names the culprit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping

from gitops_vela.model.appfile import Service
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.render import engine
from gitops_vela.render.program import Part, compose

_FRAME = re.compile(r"^\s*(\S+?):(\d+):(\d+)")
_IN_MESSAGE = re.compile(r"(\S+?):(\d+):\d+")
_NAMED = re.compile(r"definition '([a-z0-9-]+(?:@[0-9.]+)?)'")
# go-jsonnet's static errors (parse, unknown variable, duplicate field): "file:L:C-C message" or
# "file:(L:C)-(L:C) message", behind "RUNTIME ERROR: " when the file was imported.
_STATIC = re.compile(
    r"^(?P<path>\S+?):\(?(?P<line>\d+):(?P<column>\d+)\)?(?:-\S*)?\s+(?P<message>.+)$"
)
_RUNTIME = "RUNTIME ERROR: "
TRACE_FRAMES = 3  # template frames shown after a runtime error's location


def explain_failure(
    part: Part,
    outcome: engine.JobResult,
    *,
    definitions: Mapping[str, Definition],
    revision: str,
    timeout: float,
) -> tuple[Diagnostic, ...]:
    """Diagnostics for an app whose program failed with ``outcome``."""
    app, services = part.app, part.services
    trial = _Trial(part, definitions, revision, timeout)
    if len(services) == 1:
        failed = [(services[0], outcome)]
    else:
        outcomes = engine.evaluate([trial.job(service) for service in services])
        failed = [(s, r) for s, r in zip(services, outcomes, strict=True) if not r.ok]
    # A template that does not compile breaks every service using it: say so once.
    broken: dict[_SyntaxError, list[str]] = {}
    found: list[Diagnostic] = []
    for service, result in failed:
        syntax = _syntax_error(result, service, definitions)
        if syntax is not None:
            broken.setdefault(syntax, []).append(service.name)
        else:
            found.append(_explain_service(trial, service, result))
    found[:0] = [syntax.diagnostic(app.name, names) for syntax, names in broken.items()]
    if found:
        return tuple(found)
    message = _reason(outcome, timeout * len(services))
    return (Diagnostic(app.path, f"app {app.name!r}: {message}", app.line, "services"),)


@dataclasses.dataclass(frozen=True)
class _Trial:
    """Evaluates one service of the failed app (or a prefix of its traits) on its own."""

    part: Part
    definitions: Mapping[str, Definition]
    revision: str
    timeout: float

    def job(self, service: Service) -> engine.Job:
        single = dataclasses.replace(self.part, services=[service])
        return compose(
            [single], definitions=self.definitions, revision=self.revision, timeout=self.timeout
        )


def _explain_service(trial: _Trial, service: Service, outcome: engine.JobResult) -> Diagnostic:
    app, timeout = trial.part.app, trial.timeout
    key = f"services.{service.name}"
    if outcome.fatal:
        culprit = _slow_definition(trial, service)
        what = (
            f"did not finish within {timeout:g}s (endless recursion or a loop?)"
            if outcome.timed_out
            else "crashed the Jsonnet engine (stack overflow or out of memory: endless recursion?)"
        )
        message = f"definition {culprit!r} {what} in app {app.name!r}"
        return Diagnostic(app.path, message, service.line, key)
    culprit, where = _blame(outcome.text, service, trial.definitions)
    first = _first_line(outcome.text).removeprefix(_RUNTIME) or "evaluation failed"
    location = f" at {where}" if where else ""
    trace = _trace(outcome.text, service, trial.definitions, skip=where)
    message = f"definition {culprit!r}{location}: runtime error: {first}{trace}"
    return Diagnostic(app.path, message, service.line, key)


@dataclasses.dataclass(frozen=True)
class _SyntaxError:
    """A template that does not compile, as go-jsonnet's static error points at it."""

    path: str
    line: int
    column: int
    message: str
    definition: str

    def diagnostic(self, app: str, services: list[str]) -> Diagnostic:
        # Pointed at the template, not at the Appfile: that is where the fix goes.
        used = "service" if len(services) == 1 else "services"
        names = ", ".join(repr(name) for name in services)
        message = (
            f"syntax error: {self.message} (definition {self.definition!r}, "
            f"used by {used} {names} of app {app!r})"
        )
        return Diagnostic(self.path, message, self.line, column=self.column)


def _syntax_error(
    outcome: engine.JobResult, service: Service, definitions: Mapping[str, Definition]
) -> _SyntaxError | None:
    if outcome.fatal:
        return None
    static = _STATIC.match(_first_line(outcome.text).removeprefix(_RUNTIME))
    if not static or static.group("path") not in _sources(service, definitions):
        return None
    culprit, _ = _blame(outcome.text, service, definitions)
    line, column = int(static.group("line")), int(static.group("column"))
    return _SyntaxError(static.group("path"), line, column, static.group("message"), culprit)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def _sources(service: Service, definitions: Mapping[str, Definition]) -> set[str]:
    used = [service.ref, *(t.ref for t in service.traits)]
    return {path for name in used if name in definitions for path in definitions[name].sources}


def _trace(text: str, service: Service, definitions: Mapping[str, Definition], *, skip: str) -> str:
    """The template frames (file:line) that led to the error, after the one already shown."""
    sources = _sources(service, definitions)
    frames: list[str] = []
    for path, line in _locations(text):
        frame = f"{path}:{line}"
        if path in sources and frame != skip and frame not in frames:
            frames.append(frame)
    if not frames:
        return ""
    more = ", ..." if len(frames) > TRACE_FRAMES else ""
    return f" (from {', '.join(frames[:TRACE_FRAMES])}{more})"


def _blame(text: str, service: Service, definitions: Mapping[str, Definition]) -> tuple[str, str]:
    """The definition an error comes from, and the innermost template location."""
    used = [service.ref, *(t.ref for t in service.traits)]
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
    return service.ref, where


def _locations(text: str) -> list[tuple[str, str]]:
    """(file, line) of the stack frames, innermost first, after any location in the message."""
    lines = text.splitlines()
    found = [(m.group(1), m.group(2)) for m in _IN_MESSAGE.finditer(lines[0] if lines else "")]
    for line in lines[1:]:
        match = _FRAME.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def _slow_definition(trial: _Trial, service: Service) -> str:
    """The definition whose addition makes the service run out of time (or crash)."""
    for count in range(len(service.traits) + 1):
        if count == len(service.traits) and count > 0:
            return service.traits[-1].ref
        prefix = dataclasses.replace(service, traits=service.traits[:count])
        (result,) = engine.evaluate([trial.job(prefix)])
        if result.fatal:
            return service.ref if count == 0 else service.traits[count - 1].ref
    return service.ref


def _reason(outcome: engine.JobResult, timeout: float) -> str:
    if outcome.timed_out:
        return f"did not finish within {timeout:g}s"
    if outcome.crashed:
        return "crashed the Jsonnet engine"
    return outcome.text.splitlines()[0] if outcome.text else "evaluation failed"
