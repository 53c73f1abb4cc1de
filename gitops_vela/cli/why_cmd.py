"""``why KIND/NAME [FIELD] [PATH]``: where each field of a rendered object comes from."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gitops_vela.cli.common import (
    add_app_glob_arg,
    add_cluster_args,
    add_env_arg,
    add_output_arg,
    add_repo_arg,
    app_globs,
    checkout,
    command_parser,
)
from gitops_vela.cli.progress import spinner, terminal
from gitops_vela.cluster import Cluster, RetryPolicy
from gitops_vela.errors import ClusterError, ConfigError
from gitops_vela.model.changes import Action
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.provenance import annotate
from gitops_vela.provenance.causes import explain_live
from gitops_vela.provenance.explain import explain_checkout
from gitops_vela.provenance.fields import (
    FieldPathError,
    format_path,
    parse_path,
    resolve,
    scalar_text,
    under,
)
from gitops_vela.provenance.live import read_live, with_live
from gitops_vela.provenance.origins import FieldOrigin, ObjectOrigin
from gitops_vela.render import engine
from gitops_vela.render.environments import undeclared
from gitops_vela.settings import render_settings
from gitops_vela.sync.diff import DiffResult

# kubectl's short names and plurals for the kinds templates render most.
_SHORT = {
    "deploy": "deployment",
    "svc": "service",
    "ing": "ingress",
    "cm": "configmap",
    "sa": "serviceaccount",
    "hpa": "horizontalpodautoscaler",
    "cj": "cronjob",
    "ns": "namespace",
    "pvc": "persistentvolumeclaim",
    "crd": "customresourcedefinition",
    "sts": "statefulset",
    "ds": "daemonset",
    "netpol": "networkpolicy",
    "pdb": "poddisruptionbudget",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    why = command_parser(
        subparsers,
        "why",
        help="say where each field of a rendered object comes from (template, Appfile line,"
        " default, context) and, against a cluster, who changed it",
        example=(
            "gitops-vela why deployment/frontend spec.replicas sample-repo -n shop\n"
            "  gitops-vela why ingress/api sample-repo --offline   # every field, no cluster\n"
            "  gitops-vela why deploy/api 'spec.template.spec.containers[name=api].image' -o json"
        ),
    )
    why.add_argument("object", metavar="KIND/NAME", help="the object, as kubectl names it")
    why.add_argument(
        "rest",
        nargs="*",
        metavar="[FIELD] [PATH]",
        help="FIELD: a dotted path (containers[name=web], ports[0], labels['a.b/c']); without"
        " it, every leaf. PATH: the checkout (default: .); a lone word that is a directory is PATH",
    )
    why.add_argument(
        "-n",
        "--namespace",
        help="the object's namespace (also the namespace of Appfiles that name none)",
    )
    why.add_argument("--app", action="append", dest="apps", metavar="APP", help="only this app")
    add_repo_arg(why)
    add_app_glob_arg(why)
    add_env_arg(why)
    why.add_argument("--revision", default="", help="Git commit passed as context.revision")
    add_cluster_args(why)
    why.add_argument(
        "--offline", action="store_true", help="do not read the live object from a cluster"
    )
    add_output_arg(why, ("text", "json"), help="text (default) or JSON")
    why.set_defaults(handler=run_why, extra_positionals="rest")


def run_why(args: argparse.Namespace) -> int:
    settings = render_settings(os.environ)
    engine.pool(settings).start()
    kind, name = _object_ref(args.object)
    field_text, path = _field_and_path(list(args.rest))
    try:
        wanted_path = parse_path(field_text) if field_text else ()
    except FieldPathError as exc:
        raise ConfigError(Diagnostic("FIELD", str(exc))) from exc
    root, repo = checkout(path, args.repo)
    args.path = path
    globs = app_globs(args, root)

    def wanted(obj: Mapping[str, Any]) -> bool:
        meta = obj.get("metadata") or {}
        if not _kind_matches(kind, str(obj.get("kind", ""))) or meta.get("name") != name:
            return False
        return args.namespace is None or (meta.get("namespace") or "") in (args.namespace, "")

    explained = explain_checkout(
        Path(root),
        repo=repo,
        revision=args.revision,
        default_namespace=args.namespace or "default",
        app_globs=globs,
        apps=args.apps,
        wanted=wanted,
        settings=settings,
        environment=args.env,
    )
    if warning := undeclared(explained.render, args.env):
        print(f"warning: {warning}", file=sys.stderr)
    found = list(explained.objects)
    if not found:
        return _not_found(args.object, args.namespace, explained.render.failures)
    if len(found) > 1:
        where = ", ".join(f"{o.namespace or '-'}/{o.name} (app {o.app})" for o in found)
        print(
            f"error: {args.object} is rendered more than once: {where}; pass -n or --app",
            file=sys.stderr,
        )
        return 2
    origin: ObjectOrigin | None = found[0]
    if wanted_path:
        origin = _only(found[0], wanted_path, field_text)
    if origin is None:
        return 1
    notes: list[str] = []
    if not args.offline:
        origin = _live(origin, args, notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    if args.output == "json":
        print(json.dumps(_as_json(origin, args.env), indent=2, default=str))
    else:
        sys.stdout.write(_as_text(origin, args.env, live=not args.offline and not notes))
    return 0


def print_explained(args: argparse.Namespace, repo: str, apps: Sequence[RenderedApp]) -> None:
    """``render --explain``: the apps' objects as ``render`` prints them, each leaf commented."""
    root, _ = checkout(args.path, repo)
    with spinner("tracing where each field comes from", console=terminal()):
        explained = explain_checkout(
            root,
            repo=repo,
            revision=args.revision,
            default_namespace=args.namespace,
            app_globs=app_globs(args, root),
            apps=[app.name for app in apps],
            settings=render_settings(os.environ),
            environment=args.env,
        )
    origins = {(o.app, _identity(o.object)): o for o in explained.objects}
    for app in apps:
        for obj in app.objects:
            sys.stdout.write(f"---\n# app: {app.name} ({app.path})\n")
            origin = origins.get((app.name, _identity(obj)))
            comments = {f.path: f.comment() for f in origin.fields} if origin else {}
            sys.stdout.write(annotate.dump(obj, comments))


def diff_explanations(
    args: argparse.Namespace, repo: str, cluster: Cluster, result: DiffResult
) -> dict[tuple[str, ObjectRef], tuple[str, ...]]:
    """``diff --explain``: for each object the diff would configure, every field whose live
    value differs, where the rendered value comes from, and who wrote the live one."""
    wanted = {
        (app.app, obj.ref)
        for app in result.apps
        for obj in app.changed
        if obj.action is Action.CONFIGURED
    }
    if not wanted:
        return {}
    root, _ = checkout(args.path, repo)
    refs = {ref for _, ref in wanted}
    explained = explain_checkout(
        root,
        repo=repo,
        default_namespace=args.namespace,
        app_globs=app_globs(args, root),
        apps=sorted({app for app, _ in wanted}),
        wanted=lambda obj: ObjectRef.from_manifest(obj) in refs,
        settings=render_settings(os.environ),
        environment=args.env,
    )
    found: dict[tuple[str, ObjectRef], tuple[str, ...]] = {}
    for origin in explained.objects:
        key = (origin.app, ObjectRef.from_manifest(origin.object))
        if key not in wanted:
            continue
        live, expected = read_live(cluster, origin.object)
        found[key] = explain_live(with_live(origin, live, expected), live)
    return found


def _identity(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion")),
        str(obj.get("kind")),
        str(meta.get("namespace") or ""),
        str(meta.get("name")),
    )


def _object_ref(text: str) -> tuple[str, str]:
    kind, slash, name = text.partition("/")
    if not slash or not kind or not name:
        raise ConfigError(
            Diagnostic(text, "expected KIND/NAME", hint="e.g. deployment/frontend or svc/api")
        )
    return kind, name


def _field_and_path(rest: list[str]) -> tuple[str, str]:
    if len(rest) > 2:
        raise ConfigError(Diagnostic(" ".join(rest), "expected at most FIELD and PATH"))
    if len(rest) == 2:
        return rest[0], rest[1]
    if len(rest) == 1:
        return ("", rest[0]) if os.path.isdir(rest[0]) else (rest[0], ".")
    return "", "."


def _kind_matches(wanted: str, kind: str) -> bool:
    """``deployment``, ``deployments``, ``deploy``, ``Deployment``, ``deployment.apps``."""
    word = wanted.lower().split(".", 1)[0]
    word = _SHORT.get(word, word)
    lower = kind.lower()
    return word in (lower, lower + "s", lower + "es") or (
        lower.endswith("y") and word == lower[:-1] + "ies"
    )


def _not_found(ref: str, namespace: str | None, failures: Any) -> int:
    where = f" in namespace {namespace}" if namespace else ""
    print(f"error: no rendered object {ref}{where}", file=sys.stderr)
    for failure in failures:
        for diagnostic in failure.diagnostics:
            print(str(diagnostic), file=sys.stderr)
    return 1


def _only(origin: ObjectOrigin, wanted: tuple[Any, ...], text: str) -> ObjectOrigin | None:
    resolved = resolve(origin.object, wanted)
    fields = tuple(f for f in origin.fields if resolved is not None and under(f.path, resolved))
    if not fields:
        print(f"error: {origin.kind}/{origin.name} has no field {text}", file=sys.stderr)
        return None
    return ObjectOrigin(
        origin.app,
        origin.appfile,
        origin.service,
        origin.definition,
        origin.role,
        origin.object,
        fields,
    )


def _live(origin: ObjectOrigin, args: argparse.Namespace, notes: list[str]) -> ObjectOrigin:
    try:
        cluster = Cluster.connect(
            args.kubeconfig, args.context, retry=RetryPolicy(attempts=2, timeout=10.0)
        )
    except ConfigError as exc:
        notes.append(f"not comparing with a cluster: {exc} (--offline skips this)")
        return origin
    try:
        with cluster:
            live, expected = read_live(cluster, origin.object)
    except ClusterError as exc:
        notes.append(f"could not read the live object: {exc}")
        return origin
    if live is None:
        notes.append(f"{origin.kind}/{origin.name} is not in the cluster ({cluster.host})")
    return with_live(origin, live, expected)


def _as_json(origin: ObjectOrigin, environment: str) -> dict[str, Any]:
    return {
        "kind": origin.kind,
        "name": origin.name,
        "namespace": origin.namespace,
        "environment": environment,
        "app": origin.app,
        "appfile": origin.appfile,
        "service": origin.service,
        "renderedBy": {"role": origin.role, "definition": origin.definition},
        "fields": [f.as_dict() for f in origin.fields],
    }


def _as_text(origin: ObjectOrigin, environment: str, *, live: bool) -> str:
    ns = f"{origin.namespace}/" if origin.namespace else ""
    env = f"environment {environment}, " if environment else ""
    lines = [
        f"{origin.kind} {ns}{origin.name}: app {origin.app} ({origin.appfile}), {env}"
        f"service {origin.service}, rendered by {origin.role} {origin.definition}",
    ]
    for field in origin.fields:
        lines.extend(_field_text(field, live=live))
    return "\n".join(lines) + "\n"


def _field_text(field: FieldOrigin, *, live: bool) -> list[str]:
    lines = ["", f"{format_path(field.path)}: {field.value_text()}"]
    if len(field.steps) > 1:
        history = " -> ".join(f"{s} ({_short(s.value)})" for s in field.steps)
        lines.append(f"  set by:  {field.steps[-1]} (last wins; {history})")
    elif field.steps:
        step = field.steps[0]
        lines.append(f"  set by:  {step}" + (f" ({step.template})" if step.template else ""))
    label = "from:   "
    for source in field.sources:
        lines.append(f"  {label} {source}")
        label = "        "
    for source in field.depends:
        lines.append(f"  also depends on: {source}")
    if live and field.live is not None:
        state = "DRIFTED" if field.live.drifted else "in sync"
        value = _short(field.live.value)
        lines.append(f"  live:    {value} ({state})")
        for owner in field.live.owners[:3]:
            lines.append(f"  written by: {owner}")
    return lines


def _short(value: Any) -> str:
    text = scalar_text(value)
    return text if len(text) <= 60 else text[:57] + "..."
