"""An Appfile document + the catalog -> a checked ``Appfile`` (DESIGN §3).

Every problem of a file is collected, not just the first, so ``validate``
shows them all at once. Which Appfile keys are traits: a key naming a
registered trait that applies to the service's workload is that trait; a key
naming a trait that does not apply is still that trait (and an error) unless
the workload has a parameter of that name.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from gitops_vela.catalog import Catalog, applies_to, parse_pin
from gitops_vela.errors import AppfileError
from gitops_vela.model.appfile import DEFAULT_WORKLOAD, Appfile, Service, TraitUse
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.render.environments import (
    ENVIRONMENTS,
    declared_environments,
    environment_document,
)
from gitops_vela.render.files import RepoFiles
from gitops_vela.render.values import check_values, did_you_mean, expand_files, fill_defaults
from gitops_vela.yamldoc import Document, KeyPath

APP_KEYS = ("name", "namespace", "labels", "annotations", "services", ENVIRONMENTS)
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Kubernetes' qualified name: [DNS-1123 subdomain "/"] name
_QUALIFIED = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def load_appfile(
    doc: Document,
    *,
    catalog: Catalog,
    files: RepoFiles,
    environment: str = "",
    overlay: Document | None = None,
    overlays: Collection[str] = (),
) -> Appfile:
    """Check one Appfile document as ``environment`` sees it (its block and ``overlay`` merged
    in, see ``render.environments``); raise ``AppfileError`` with every problem found.

    ``overlays``: the environments that have an overlay file next to the Appfile.
    """
    problems: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    if not isinstance(doc.value, dict):
        raise AppfileError(doc.diagnostic((), "an Appfile must be a YAML mapping"))
    declared = declared_environments(doc, overlays)
    doc = environment_document(doc, environment, overlay)
    body: dict[str, Any] = doc.value
    for key in body:
        if key not in APP_KEYS:
            hint = did_you_mean(key, APP_KEYS)
            problems.append(doc.diagnostic((key,), f"unknown Appfile key {key!r}", hint=hint))
    name = _label(doc, body.get("name"), ("name",), problems, what="app name", required=True)
    namespace = _label(doc, body.get("namespace"), ("namespace",), problems, what="namespace")
    labels = _labels(doc, body.get("labels"), problems)
    annotations = _annotations(doc, body.get("annotations"), problems)
    services = body.get("services")
    if not isinstance(services, dict) or not services:
        problems.append(doc.diagnostic(("services",), "needs a mapping of one or more services"))
        services = {}
    loaded = [
        _service(doc, key, spec, catalog=catalog, files=files, problems=problems, warnings=warnings)
        for key, spec in services.items()
    ]
    if problems:
        raise AppfileError(sorted(problems, key=lambda d: d.line))
    return Appfile(
        name=name,
        path=doc.path,
        services=tuple(s for s in loaded if s is not None),
        namespace=namespace,
        line=doc.line,
        warnings=tuple(warnings),
        annotations=annotations,
        labels=labels,
        environment=environment,
        environments=declared,
    )


def _label(
    doc: Document,
    value: Any,
    key: KeyPath,
    problems: list[Diagnostic],
    *,
    what: str,
    required: bool = False,
) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not _LABEL.match(value) or len(value) > 63:
        shown = "missing" if value is None else f"{value!r} is not a DNS-1123 label"
        problems.append(
            doc.diagnostic(key, f"{what} {shown}", hint="lower case letters, digits and '-'")
        )
        return ""
    return value


def _labels(doc: Document, value: Any, problems: list[Diagnostic]) -> dict[str, str]:
    """The app's ``labels:``, Kubernetes label syntax; they select apps (``-l``)."""
    good = _annotations(doc, value, problems, key="labels", what="a label")
    for name, text in list(good.items()):
        if len(text) > 63 or not _LABEL_VALUE.match(text):
            message = f"{text!r} is not a label value"
            hint = "at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric"
            problems.append(doc.diagnostic(("labels", name), message, hint=hint))
            del good[name]
    return good


def _annotations(
    doc: Document,
    value: Any,
    problems: list[Diagnostic],
    *,
    key: str = "annotations",
    what: str = "an annotation",
) -> dict[str, str]:
    """The app's ``annotations:`` (or another ``key``): Kubernetes-style keys, string values
    (quote ``"true"``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(doc.diagnostic((key,), "must be a mapping of strings"))
        return {}
    good: dict[str, str] = {}
    for name, text in value.items():
        where: KeyPath = (key, name)
        if (
            not isinstance(name, str)
            or not _QUALIFIED.match(name)
            or len(name.rpartition("/")[2]) > 63
        ):
            message = f"{name!r} is not {what} key"
            hint = "an optional DNS prefix and '/', then letters, digits, '-', '_' or '.'"
            problems.append(doc.diagnostic(where, message, hint=hint))
        elif not isinstance(text, str):
            message = f"must be a string, got {type(text).__name__}"
            problems.append(doc.diagnostic(where, message, hint="quote it"))
        else:
            good[name] = text
    return good


def _service(
    doc: Document,
    name: str,
    spec: Any,
    *,
    catalog: Catalog,
    files: RepoFiles,
    problems: list[Diagnostic],
    warnings: list[Diagnostic],
) -> Service | None:
    key: KeyPath = ("services", name)
    count = len(problems)
    _label(doc, name, key, problems, what="service name")
    if not isinstance(spec, dict):
        problems.append(
            doc.diagnostic(key, "a service must be a mapping (type, parameters, traits)")
        )
        return None
    workload = _workload(doc, spec.get("type") or DEFAULT_WORKLOAD, key, catalog, problems)
    if workload is None:
        return None
    if "build" in spec:
        message = "'build' is ignored: images are built in CI, not by the reconciler"
        warnings.append(doc.diagnostic((*key, "build"), message))
    parameters: dict[str, Any] = {}
    traits: list[TraitUse] = []
    for field, value in spec.items():
        if field in ("type", "build"):
            continue
        trait_name, pin = _split_pin(field)
        trait = catalog.trait(trait_name)
        properties = workload.parameters.get("properties") or {}
        if trait is not None and (applies_to(trait, workload) or field not in properties):
            pinned = _pinned(doc, (*key, field), catalog, trait_name, pin, "trait", problems)
            use = None
            if pinned is not None:
                use = _trait(doc, (*key, field), pinned, value, workload, files, problems)
            if use is not None:
                traits.append(use)
        elif trait_name in catalog.broken and field not in properties:
            message = f"trait {trait_name!r} is broken: {catalog.broken[trait_name]}"
            problems.append(doc.diagnostic((*key, field), message))
        else:
            parameters[field] = value
    _conflicts(doc, key, traits, catalog, problems)
    names = [t.name for t in catalog.traits]
    values = _values(doc, key, workload, parameters, files, problems, also_known=names)
    if len(problems) > count:
        return None
    return Service(
        name, workload.name, values, tuple(traits), doc.line_of(key), version=workload.version
    )


def _split_pin(text: str) -> tuple[str, str | None]:
    """``scaler@2.1`` -> (``scaler``, ``2.1``); a malformed pin comes back as ``None``, a
    missing one as ``""``."""
    parsed = parse_pin(text)
    return parsed if parsed is not None else (text.partition("@")[0], None)


def _pinned(
    doc: Document,
    where: KeyPath,
    catalog: Catalog,
    name: str,
    pin: str | None,
    what: str,
    problems: list[Diagnostic],
) -> Definition | None:
    """The version of ``name`` a use pins (the newest when unpinned), or a problem saying
    which versions there are."""
    versions = [d.version for d in catalog.versions(name) if d.version]
    known = ", ".join(versions) or "none: it declares no spec.version"
    if pin is None:
        message = f"{what} {name!r}: what follows '@' is not a version"
        hint = f"pin MAJOR or MAJOR.MINOR, e.g. {name}@1 (versions: {known})"
        problems.append(doc.diagnostic(where, message, hint=hint))
        return None
    found = catalog.resolve(name, pin)
    if found is None:
        message = f"no version of {what} {name!r} matches @{pin}"
        problems.append(doc.diagnostic(where, message, hint=f"versions: {known}"))
    return found


def _workload(
    doc: Document, type_name: Any, key: KeyPath, catalog: Catalog, problems: list[Diagnostic]
) -> Definition | None:
    where: KeyPath = (*key, "type")
    pin: str | None = ""
    if isinstance(type_name, str):
        type_name, pin = _split_pin(type_name)
    definition = catalog.get(type_name) if isinstance(type_name, str) else None
    if definition is not None and not definition.is_trait:
        return _pinned(doc, where, catalog, definition.name, pin, "workload type", problems)
    if definition is not None:
        problems.append(doc.diagnostic(where, f"{type_name!r} is a trait, not a workload type"))
    elif isinstance(type_name, str) and type_name in catalog.broken:
        broken = catalog.broken[type_name]
        problems.append(doc.diagnostic(where, f"workload type {type_name!r} is broken: {broken}"))
    else:
        hint = did_you_mean(str(type_name), [w.name for w in catalog.workloads])
        problems.append(doc.diagnostic(where, f"unknown workload type {type_name!r}", hint=hint))
    return None


def _trait(
    doc: Document,
    key: KeyPath,
    trait: Definition,
    value: Any,
    workload: Definition,
    files: RepoFiles,
    problems: list[Diagnostic],
) -> TraitUse | None:
    if not applies_to(trait, workload):
        allowed = ", ".join(trait.applies_to)
        message = f"trait {trait.name!r} does not apply to workload {workload.name!r}"
        problems.append(doc.diagnostic(key, message, hint=f"it applies to: {allowed}"))
        return None
    if value is None:
        value = {}
    if not isinstance(value, dict):
        problems.append(doc.diagnostic(key, f"trait {trait.name!r} needs a mapping of parameters"))
        return None
    values = _values(doc, key, trait, value, files, problems)
    return TraitUse(trait.name, values, doc.line_of(key), version=trait.version)


def _values(
    doc: Document,
    key: KeyPath,
    definition: Definition,
    values: dict[str, Any],
    files: RepoFiles,
    problems: list[Diagnostic],
    *,
    also_known: list[str] | None = None,
) -> dict[str, Any]:
    filled: dict[str, Any] = fill_defaults(values, definition.parameters)
    found = check_values(filled, definition, doc=doc, prefix=key, also_known=also_known or [])
    if found:
        problems.extend(found)
        return filled
    expanded, more = expand_files(filled, definition.parameters, doc=doc, prefix=key, files=files)
    problems.extend(more)
    return expanded


def _conflicts(
    doc: Document,
    key: KeyPath,
    traits: list[TraitUse],
    catalog: Catalog,
    problems: list[Diagnostic],
) -> None:
    for index, use in enumerate(traits):
        definition = catalog.version(use.ref)
        for earlier in traits[:index]:
            other = catalog.version(earlier.ref)
            if definition is None or other is None:
                continue
            if earlier.name in definition.conflicts_with or use.name in other.conflicts_with:
                message = f"trait {use.name!r} conflicts with trait {earlier.name!r}"
                problems.append(doc.diagnostic((*key, use.name), message))
