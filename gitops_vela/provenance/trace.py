"""Attribute every leaf a service renders to templates and inputs, by evaluating it again.

Nothing is guessed from names; the Jsonnet engine answers by experiment:

- **Templates**: the service is evaluated with its workload alone, then with
  each trait added in the order they apply (the same program the render
  runs, ``render.program``). A field of the workload's object is attributed to
  every step that set or changed it; the last one wins. Objects in
  ``outputs`` come from the one template that returned them.
- **Inputs**: every scalar parameter value (workload and traits, defaults
  filled in) and every context value is *perturbed*: strings get a unique
  tag, numbers move by one, booleans flip. A field whose value changes
  depends on that input; it is *carried* from it when the new value holds
  the tag (or is exactly the moved number). Strings are tagged all at once
  and checked (``_Tracer``); the rest go one per evaluation. A parameter
  subtree with many leaves (objects passed through whole, files parameters)
  is perturbed as one input, so the cost stays bounded.

The evaluations of every traced service share rounds on the warm workers
(``trace_services``); an evaluation that fails under a perturbation only
loses that input's answer.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_vela.errors import RenderError
from gitops_vela.model.appfile import Appfile, Service
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.provenance.fields import MISSING, FieldPath, Named, flatten, flatten_both
from gitops_vela.render import engine
from gitops_vela.render.program import Part, compose
from gitops_vela.settings.tree import RenderSettings

GROUP_LEAVES = 48  # a parameter with more leaves than this is perturbed as one input
PARTS_PER_JOB = 12  # evaluations batched into one Jsonnet job
CONTEXT_KEYS = ("appName", "name", "namespace", "repo", "revision", "environment")
TAG = "~why"

ParamPath = tuple[str | int, ...]
ObjectId = tuple[str, str, str]  # (definition, role, output name)
_Flat = tuple[dict[FieldPath, Any], dict[FieldPath, Any]]  # leaves by named and by index path


@dataclasses.dataclass(frozen=True, slots=True)
class Input:
    """One input of a service: a parameter (of the workload, or of trait ``owner``) or a context
    value. ``group``: a whole subtree perturbed at once."""

    kind: str  # "parameter" | "context"
    owner: str = ""  # "" for the workload, else the trait's name
    path: ParamPath = ()
    group: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Attribution:
    """One leaf: the templates that set it (definition, role, value after) and its inputs."""

    steps: tuple[tuple[str, str, Any], ...]
    carriers: tuple[Input, ...]
    depends: tuple[Input, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceTrace:
    """The raw objects the service rendered (before labels and namespace), with each leaf's
    attribution; ``failed``: inputs whose perturbed evaluation failed (no answer for them)."""

    objects: Mapping[ObjectId, Any]
    leaves: Mapping[ObjectId, Mapping[FieldPath, Attribution]]
    failed: tuple[Input, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class _Trial:
    service: Service
    context: Mapping[str, str]
    revision: str
    tag: str = ""  # the mark a perturbed string carries
    number: Any = None  # the moved number, for a perturbed numeric leaf
    flipped: bool = False  # a perturbed boolean
    members: tuple[int, ...] = ()  # the inputs perturbed (indexes into the service's inputs)
    step: int | None = None  # a prefix: the workload and this many traits, nothing perturbed


def inputs_of(service: Service) -> list[Input]:
    """Every perturbable input of the service, workload parameters first, then traits in order."""
    found: list[Input] = []
    for owner, parameters in (
        ("", service.parameters),
        *((t.name, t.parameters) for t in service.traits),
    ):
        for key, value in parameters.items():
            count = sum(1 for _ in _param_leaves(value, ()))
            if count == 0:
                continue
            if count > GROUP_LEAVES:
                found.append(Input("parameter", owner, (key,), group=True))
            else:
                found.extend(
                    Input("parameter", owner, path) for path, _ in _param_leaves(value, (key,))
                )
    found.extend(Input("context", path=(key,)) for key in CONTEXT_KEYS)
    return found


def _param_leaves(value: Any, prefix: ParamPath) -> Any:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _param_leaves(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _param_leaves(item, (*prefix, index))
    elif value is not None:
        yield prefix, value


@dataclasses.dataclass(frozen=True, slots=True)
class Request:
    """A service to trace, with the context and revision the render gave it."""

    app: Appfile
    service: Service
    context: Mapping[str, str]
    revision: str


def trace_services(
    requests: Sequence[Request],
    *,
    definitions: Mapping[str, Definition],
    settings: RenderSettings,
) -> list[ServiceTrace]:
    """Trace every requested service; their evaluations share rounds (one pool run each)."""
    tracers = [_Tracer(request, definitions) for request in requests]
    batch = [(tracer, trial) for tracer in tracers for trial in tracer.start()]
    while batch:
        results = _evaluate(
            [(tracer.request.app, trial) for tracer, trial in batch],
            definitions=definitions,
            settings=settings,
        )
        delivered: dict[int, list[tuple[_Trial, dict[str, Any] | None]]] = {}
        for (tracer, trial), result in zip(batch, results, strict=True):
            delivered.setdefault(id(tracer), []).append((trial, result))
        batch = [
            (tracer, trial)
            for tracer in tracers
            if id(tracer) in delivered
            for trial in tracer.receive(delivered[id(tracer)])
        ]
    return [tracer.finish() for tracer in tracers]


class _Tracer:
    """One service: evaluated step by step, and with its inputs perturbed.

    String inputs are first marked all at once, each with its own tag: when
    the output with the tags removed equals the plain output, no mark changed
    what the templates did, so a field holding a tag was carried from that
    input and from nothing else of the group. A group whose output changed
    otherwise is split in halves and tried again, down to single inputs
    (which then say what they change as well). Numbers, booleans and
    subtrees are perturbed one by one.
    """

    def __init__(self, request: Request, definitions: Mapping[str, Definition]) -> None:
        self.request = request
        self.definitions = definitions
        service = request.service
        self.base = _Trial(service, request.context, request.revision)
        self.inputs = inputs_of(service)
        self.steps: list[dict[str, Any] | None] = [None] * (len(service.traits) + 1)
        self.plain: dict[ObjectId, str] = {}
        self.answers: list[tuple[_Trial, dict[ObjectId, _Flat | None] | None]] = []

    def start(self) -> list[_Trial]:
        service = self.request.service
        prefixes = [
            dataclasses.replace(
                self.base,
                service=dataclasses.replace(service, traits=service.traits[:count]),
                step=count,
            )
            for count in range(len(service.traits) + 1)
        ]
        strings = tuple(
            i
            for i, item in enumerate(self.inputs)
            if _is_string(service, item) and not _switch(self.definitions, service, item)
        )
        singles = [i for i in range(len(self.inputs)) if i not in strings]
        trials = [_perturbed(self.base, self.inputs, (i,)) for i in singles]
        if strings:
            trials.insert(0, _perturbed(self.base, self.inputs, strings))
        return [*prefixes, *trials]

    def receive(self, outcomes: list[tuple[_Trial, dict[str, Any] | None]]) -> list[_Trial]:
        """Take a round's results; return the trials of the next round (split groups)."""
        for trial, result in outcomes:
            if trial.step is not None:
                if result is None:
                    # The full service rendered, so a prefix fails only when a trait needs a
                    # later one, or the machine ran it out of time: without every step there
                    # is no exact answer, and a guess would be worse than saying so.
                    app, name = self.request.app, self.request.service.name
                    message = (
                        f"service {name!r}: evaluating its workload and traits step by step"
                        f" failed at step {trial.step} (does a trait need a later one?)"
                    )
                    raise RenderError(Diagnostic(app.path, message, self.request.service.line))
                self.steps[trial.step] = result
        full = self.steps[-1] or {}
        self.plain = {
            oid: _plain_text(obj) for oid, obj in _objects(self.request.service, full).items()
        }
        plain_all = _plain_text(full)
        again: list[_Trial] = []
        for trial, result in outcomes:
            if trial.step is not None:
                continue
            group = len(trial.members) > 1
            if group and (result is None or _unmarked(result) != plain_all):
                half = len(trial.members) // 2
                again.extend(
                    _perturbed(self.base, self.inputs, part)
                    for part in (trial.members[:half], trial.members[half:])
                )
                continue
            changed = None if result is None else self._changed(trial, result, group=group)
            self.answers.append((trial, changed))
        return again

    def _changed(
        self, trial: _Trial, result: Mapping[str, Any], *, group: bool
    ) -> dict[ObjectId, _Flat | None]:
        """The perturbed objects flattened, ``None`` for those equal to the plain render (most
        inputs touch one or two objects; flattening the others would be wasted)."""
        found: dict[ObjectId, _Flat | None] = {}
        for oid, obj in _objects(trial.service, result).items():
            text = _plain_text(obj)
            key = (oid[0], oid[1], _MARK.sub("", oid[2])) if group else oid
            if (TAG not in text) if group else (text == self.plain.get(key)):
                found[key] = None
            else:
                flat = flatten_both(obj)
                found[key] = _unmarked_paths(flat) if group else flat
        return found

    def finish(self) -> ServiceTrace:
        service = self.request.service
        full = _objects(service, self.steps[-1] or {})
        steps = [_objects(service, result or {}) for result in self.steps]
        leaves: dict[ObjectId, dict[FieldPath, Attribution]] = {}
        for object_id, obj in full.items():
            by_name, by_index = flatten_both(obj)
            indexed = list(by_index)
            history = _history(object_id, by_name, steps, service)
            leaves[object_id] = {
                path: _attribute(
                    object_id,
                    (path, indexed[position]),
                    value,
                    history.get(path, ()),
                    self.answers,
                    self.inputs,
                )
                for position, (path, value) in enumerate(by_name.items())
            }
        failed = tuple(self.inputs[t.members[0]] for t, changed in self.answers if changed is None)
        return ServiceTrace(full, leaves, failed)


def _switch(definitions: Mapping[str, Definition], service: Service, item: Input) -> bool:
    """A string templates likely branch on (an ``enum`` value, or empty: ``if p.issuer != ''``):
    marking it would fail the group's check and cost rounds of splitting, so it goes alone.
    Only a shortcut: the check stays what decides."""
    if item.kind != "parameter":
        return False
    value, schema = _parameter(service, item), _schema_of(definitions, service, item)
    return value == "" or "enum" in schema


def _schema_of(
    definitions: Mapping[str, Definition], service: Service, item: Input
) -> Mapping[str, Any]:
    found = definitions.get(item.owner or service.type)
    schema: Any = found.parameters if found else {}
    for part in item.path:
        if not isinstance(schema, dict):
            return {}
        schema = (
            schema.get("items")
            if isinstance(part, int)
            else (schema.get("properties") or {}).get(part)
        )
    return schema if isinstance(schema, dict) else {}


def _parameter(service: Service, item: Input) -> Any:
    parameters = (
        service.parameters
        if not item.owner
        else next(t.parameters for t in service.traits if t.name == item.owner)
    )
    value: Any = parameters
    for key in item.path:
        value = value[key]
    return value


def _is_string(service: Service, item: Input) -> bool:
    if item.group:
        return False
    if item.kind == "context":
        return item.path[0] != "revision"  # the revision is one per job: perturbed alone
    return isinstance(_parameter(service, item), str)


_MARK = re.compile(re.escape(TAG) + r"(\d+)~")


def _unmarked_paths(flat: _Flat) -> _Flat:
    """A checked group's leaves under the plain paths: marks carried into keys and item names
    are removed from the paths, kept in the values."""

    def strip(segment: Any) -> Any:
        if isinstance(segment, str):
            return _MARK.sub("", segment)
        return Named(_MARK.sub("", segment.value)) if isinstance(segment, Named) else segment

    def plain(leaves: dict[FieldPath, Any]) -> dict[FieldPath, Any]:
        return {tuple(strip(s) for s in path): value for path, value in leaves.items()}

    return plain(flat[0]), plain(flat[1])


def _plain_text(result: Any) -> str:
    return json.dumps(result, sort_keys=True)


def _unmarked(result: Any) -> str:
    return _MARK.sub("", _plain_text(result))


def _history(
    object_id: ObjectId,
    flat: Mapping[FieldPath, Any],
    steps: Sequence[Mapping[ObjectId, Any]],
    service: Service,
) -> dict[FieldPath, tuple[tuple[str, str, Any], ...]]:
    """Per leaf: each step (workload, then traits) whose template set or changed its value."""
    definition, role, output = object_id
    if output != "output":  # an outputs object: returned whole by one template
        return {path: ((definition, role, value),) for path, value in flat.items()}
    names = [(service.type, "workload"), *((t.name, "trait") for t in service.traits)]
    flats = [flatten(objects[object_id]) if object_id in objects else {} for objects in steps]
    history: dict[FieldPath, tuple[tuple[str, str, Any], ...]] = {}
    for path in flat:
        changes: list[tuple[str, str, Any]] = []
        before: Any = MISSING
        for (name, kind), values in zip(names, flats, strict=True):
            now = values.get(path, MISSING)
            if not _same(now, before):
                changes.append((name, kind, now))
            before = now
        history[path] = tuple(changes)
    return history


def _attribute(
    object_id: ObjectId,
    paths: tuple[FieldPath, FieldPath],
    value: Any,
    steps: tuple[tuple[str, str, Any], ...],
    answers: Sequence[tuple[_Trial, Mapping[ObjectId, _Flat | None] | None]],
    inputs: Sequence[Input],
) -> Attribution:
    """Which perturbed inputs change the leaf, and which of them are carried into it.

    The leaf is looked up by its named path, then by its index path: an input
    that renames a list item (``context.name`` names the main container)
    changes the item's ``name``, not every field under it."""
    named, indexed = paths
    carriers: list[int] = []
    depends: list[int] = []
    for trial, objects in answers:
        if objects is None:
            continue
        if object_id not in objects:
            # The input decides whether the object exists at all (``enabled: false``, a
            # rule moving to another Ingress): that says nothing about this field's value.
            continue
        changed = objects[object_id]
        if changed is None:  # this object came out as without the perturbation
            continue
        by_name, by_index = changed
        other = by_name.get(named, MISSING)
        if other is MISSING:
            other = by_index.get(indexed, MISSING)
        if _same(other, value):
            continue
        if len(trial.members) > 1:  # a checked group: only carried marks can differ
            if isinstance(other, str):
                carriers.extend(int(n) for n in _MARK.findall(other))
        elif _carries(other, value, trial, inputs[trial.members[0]]):
            carriers.append(trial.members[0])
        else:
            depends.append(trial.members[0])
    return Attribution(
        steps,
        tuple(inputs[i] for i in sorted(set(carriers))),
        tuple(inputs[i] for i in sorted(set(depends))),
    )


def _carries(new: Any, old: Any, trial: _Trial, item: Input) -> bool:
    """Whether the perturbed value was carried into the field (not only changed it)."""
    if item.group:
        return new is not MISSING
    if isinstance(new, str):
        return bool(trial.tag) and trial.tag in new
    if isinstance(new, bool):
        return trial.flipped and isinstance(old, bool) and new is not old
    return trial.number is not None and isinstance(new, int | float) and new == trial.number


def _same(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# -- perturbations -----------------------------------------------------------------------


def _perturbed(base: _Trial, inputs: Sequence[Input], members: tuple[int, ...]) -> _Trial:
    """``base`` with the inputs ``members`` (indexes into ``inputs``) perturbed."""
    trial = dataclasses.replace(base, members=members)
    for index in members:
        trial = _perturb_one(trial, inputs[index], f"{TAG}{index}~")
    return trial


def _perturb_one(base: _Trial, item: Input, tag: str) -> _Trial:
    if item.kind == "context":
        key = item.path[0]
        if key == "name":
            return dataclasses.replace(
                base,
                service=dataclasses.replace(base.service, name=base.service.name + tag),
                tag=tag,
            )
        if key == "revision":
            return dataclasses.replace(base, revision=base.revision + tag, tag=tag)
        context = dict(base.context)
        context[str(key)] = str(context.get(str(key), "")) + tag
        return dataclasses.replace(base, context=context, tag=tag)
    service = base.service
    if item.owner == "":
        parameters, mark = _perturb(service.parameters, item, tag)
        changed = dataclasses.replace(service, parameters=parameters)
    else:
        traits = list(service.traits)
        position = next(i for i, t in enumerate(traits) if t.name == item.owner)
        parameters, mark = _perturb(traits[position].parameters, item, tag)
        traits[position] = dataclasses.replace(traits[position], parameters=parameters)
        changed = dataclasses.replace(service, traits=tuple(traits))
    return dataclasses.replace(
        mark, service=changed, context=base.context, revision=base.revision, members=base.members
    )


def _perturb(parameters: Mapping[str, Any], item: Input, tag: str) -> tuple[dict[str, Any], _Trial]:
    """A copy of ``parameters`` with the input changed, and how to recognise it (a ``_Trial``
    holding only the mark: the tag, the moved number or the flip)."""
    copied: dict[str, Any] = copy.deepcopy(dict(parameters))
    holder: Any = copied
    for key in item.path[:-1]:
        holder = holder[key]
    last = item.path[-1]
    empty = Service("", "", {})
    if item.group:
        holder[last] = _perturb_all(holder[last], tag)
        return copied, _Trial(empty, {}, "", tag=tag)
    old = holder[last]
    holder[last] = new = _changed(old, tag)
    if isinstance(old, bool):
        return copied, _Trial(empty, {}, "", flipped=True)
    if isinstance(old, int | float):
        return copied, _Trial(empty, {}, "", number=new)
    return copied, _Trial(empty, {}, "", tag=tag)


def _changed(value: Any, tag: str) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return str(value) + tag


def _perturb_all(value: Any, tag: str) -> Any:
    if isinstance(value, dict):
        return {k: _perturb_all(v, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [_perturb_all(v, tag) for v in value]
    return value if value is None else _changed(value, tag)


# -- evaluation --------------------------------------------------------------------------


def _evaluate(
    trials: Sequence[tuple[Appfile, _Trial]],
    *,
    definitions: Mapping[str, Definition],
    settings: RenderSettings,
) -> list[dict[str, Any] | None]:
    """Each trial's service result, or None when it failed. Trials share jobs of
    ``PARTS_PER_JOB`` parts (one revision per job); a failed job is retried trial by trial."""
    groups: list[list[int]] = []
    by_revision: dict[str, list[int]] = {}
    for index, (_, trial) in enumerate(trials):
        by_revision.setdefault(trial.revision, []).append(index)
    workers = engine.pool(settings).size
    for indexes in by_revision.values():
        size = max(1, min(PARTS_PER_JOB, -(-len(trials) // workers)))  # every worker gets a job
        groups.extend(indexes[i : i + size] for i in range(0, len(indexes), size))
    results: list[dict[str, Any] | None] = [None] * len(trials)
    retry = _run(trials, groups, results, definitions=definitions, settings=settings)
    singles = [[i] for group in retry for i in group]
    _run(trials, singles, results, definitions=definitions, settings=settings)
    return results


def _run(
    trials: Sequence[tuple[Appfile, _Trial]],
    groups: list[list[int]],
    results: list[dict[str, Any] | None],
    *,
    definitions: Mapping[str, Definition],
    settings: RenderSettings,
) -> list[list[int]]:
    if not groups:
        return []
    jobs = [
        compose(
            [Part(trials[i][0], [trials[i][1].service], trials[i][1].context) for i in group],
            definitions=definitions,
            revision=trials[group[0]][1].revision,
            timeout=settings.timeout + 0.2 * len(group),
        )
        for group in groups
    ]
    failed: list[list[int]] = []
    for group, outcome in zip(groups, engine.evaluate(jobs, settings=settings), strict=True):
        if not outcome.ok:
            if len(group) > 1:
                failed.append(group)
            continue
        for i, part in zip(group, json.loads(outcome.text), strict=True):
            results[i] = part.get(trials[i][1].service.name)
    return failed


def _objects(service: Service, result: Mapping[str, Any]) -> dict[ObjectId, Any]:
    """A service's result as objects keyed by (definition, role, output name)."""
    found: dict[ObjectId, Any] = {}
    if result.get("output") is not None:
        found[(service.type, "workload", "output")] = result["output"]
    for group in result.get("outputs") or []:
        objects = group.get("objects")
        if isinstance(objects, dict):
            for name, obj in objects.items():
                if obj is not None:
                    found[(group["definition"], group["role"], f"outputs.{name}")] = obj
    return found
