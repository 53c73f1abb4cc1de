"""``render``, ``validate``, ``defs list``, ``defs show``: offline, no cluster needed."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.catalog.describe import applies_text, origin_text, parameter_rows
from gitops_vela.cli.common import add_checkout_args, checkout, command_parser
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.render import render_repository, yamltext
from gitops_vela.settings import render_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    render = command_parser(
        subparsers,
        "render",
        help="render Appfiles into Kubernetes manifests, offline",
        example="gitops-vela render sample-repo --app shop -o yaml",
    )
    _repo_args(render)
    render.add_argument(
        "--app", action="append", dest="apps", metavar="APP", help="only this app (repeatable)"
    )
    render.add_argument(
        "-o",
        "--output",
        default="yaml",
        metavar="yaml|json|dir=OUT",
        help="a YAML stream (default), a JSON List, or one file per object under OUT/<app>/",
    )
    render.set_defaults(handler=_render)

    validate = command_parser(
        subparsers,
        "validate",
        help="check Appfiles and definitions; one 'file:line: key: message' per error",
        example="gitops-vela validate sample-repo",
    )
    _repo_args(validate)
    validate.set_defaults(handler=_validate)

    defs = command_parser(
        subparsers,
        "defs",
        help="list capability definitions or show one",
        example="gitops-vela defs show webservice",
    )
    defs.set_defaults(handler=lambda _args: _usage(defs))
    verbs = defs.add_subparsers(dest="verb", metavar="VERB")
    listing = command_parser(
        verbs,
        "list",
        help="every workload type and trait an Appfile can use",
        example="gitops-vela defs list sample-repo",
    )
    listing.add_argument("path", nargs="?", default=".", help="repository (default: .)")
    listing.set_defaults(handler=_defs_list)
    show = command_parser(
        verbs,
        "show",
        help="a definition's parameters, what it applies to, what it conflicts with",
        example="gitops-vela defs show route sample-repo",
    )
    show.add_argument("name", help="definition name")
    # None, not ".": a name not found hints at passing the repository only when PATH was left out
    show.add_argument("path", nargs="?", default=None, help="repository (default: .)")
    show.set_defaults(handler=_defs_show)


def _repo_args(parser: argparse.ArgumentParser) -> None:
    add_checkout_args(parser)
    parser.add_argument("--revision", default="", help="Git commit passed as context.revision")


def _render_args(args: argparse.Namespace, apps: Sequence[str] | None = None) -> RepositoryRender:
    root, repo = checkout(args.path, args.repo)
    return render_repository(
        root,
        repo=repo,
        revision=args.revision,
        default_namespace=args.namespace,
        apps=apps,
        settings=render_settings(os.environ),
    )


def _render(args: argparse.Namespace) -> int:
    output = str(args.output)
    if output not in ("yaml", "json") and not output.startswith("dir="):
        print(f"error: -o {output}: expected yaml, json or dir=OUT", file=sys.stderr)
        return 2
    if output.startswith("dir=") and not output[len("dir=") :].strip():
        # An empty OUT would write the app folders into the current directory.
        print("error: -o dir=: give the output directory, e.g. -o dir=rendered", file=sys.stderr)
        return 2
    result = _render_args(args, args.apps)
    missing = (
        set(args.apps or ()) - {a.name for a in result.apps} - {f.name for f in result.failures}
    )
    try:
        if output == "yaml":
            _print_yaml(result.apps)
        elif output == "json":
            print(json.dumps(_as_list(result.apps), indent=2, sort_keys=False))
        else:
            _write_dir(Path(output[len("dir=") :]), result.apps)
        sys.stdout.flush()  # a reader that left shows up here, not at interpreter exit
    except BrokenPipeError:  # `gitops-vela render | head`: the reader left, not an error
        _discard_stdout()
        return 0
    for name in sorted(missing):
        print(f"error: no app named {name!r}", file=sys.stderr)
    return _report(result) or (1 if missing else 0)


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush has nowhere to fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _validate(args: argparse.Namespace) -> int:
    result = _render_args(args)
    status = _report(result)
    if status == 0:
        print(f"ok: {len(result.apps)} apps rendered without errors")
    return status


def _report(result: RepositoryRender) -> int:
    """Print warnings and errors to stderr; 1 when anything failed."""
    for app in result.apps:
        for warning in app.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    errors: list[Diagnostic] = list(result.catalog_diagnostics)
    errors.extend(d for failure in result.failures for d in failure.diagnostics)
    for error in errors:
        print(str(error), file=sys.stderr)
    return 1 if errors else 0


def _print_yaml(apps: Sequence[RenderedApp]) -> None:
    for app in apps:
        for obj in app.objects:
            sys.stdout.write(f"---\n# app: {app.name} ({app.path})\n")
            sys.stdout.write(yamltext.dump(obj))


def _as_list(apps: Sequence[RenderedApp]) -> dict[str, Any]:
    items = [obj for app in apps for obj in app.objects]
    return {"apiVersion": "v1", "kind": "List", "items": items}


def _write_dir(out: Path, apps: Sequence[RenderedApp]) -> None:
    for app in apps:
        folder = out / app.name
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.yaml"):
            stale.unlink()
        for index, obj in enumerate(app.objects, start=1):
            name = f"{index:03d}-{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
            (folder / name).write_text(yamltext.dump(obj))


def _catalog(path: str) -> Catalog:
    root, repo = checkout(path)
    catalog = load_catalog(root, origin=repo)
    for problem in catalog.diagnostics:
        print(str(problem), file=sys.stderr)
    return catalog


def _defs_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args.path)
    rows = [("NAME", "KIND", "APPLIES-TO", "ORIGIN", "DESCRIPTION")]
    for definition in catalog:
        kind = "trait" if definition.is_trait else "workload"
        applies = applies_text(definition)
        applies = applies if len(applies) <= 48 else applies[:45] + "..."
        rows.append((definition.name, kind, applies, origin_text(definition), _short(definition)))
    _table(rows)
    return 0


def _short(definition: Definition) -> str:
    """The first sentence of a description, cut to fit a terminal line."""
    first = definition.description.split(". ")[0].strip().rstrip(".")
    return first if len(first) <= 80 else first[:77] + "..."


def _not_found(name: str, catalog: Catalog, *, defaulted: bool) -> None:
    """Say a definition is missing, with what there is and where else to look."""
    names = sorted(d.name for d in catalog)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    print(f"error: no definition named {name!r}{hint}", file=sys.stderr)
    print(f"  available: {', '.join(names)}", file=sys.stderr)
    if defaulted:
        print(
            "  looked in the current directory; a repository's own definitions need its path:"
            f" gitops-vela defs show {name} PATH",
            file=sys.stderr,
        )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _defs_show(args: argparse.Namespace) -> int:
    catalog = _catalog(args.path or ".")
    definition = catalog.get(args.name)
    if definition is None:
        _not_found(args.name, catalog, defaulted=args.path is None)
        return 1
    print(f"# {definition.name} ({definition.kind.value}, {origin_text(definition)})")
    if definition.description:
        print(definition.description)
    if definition.path:
        print(f"defined in: {definition.path}")
    if definition.is_trait:
        print(f"applies to: {applies_text(definition)}")
        print(f"conflicts with: {', '.join(definition.conflicts_with) or '-'}")
    elif definition.definition_ref:
        print(f"kind of workload: {definition.definition_ref}")
    print()
    rows = [("NAME", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION")]
    for row in parameter_rows(definition.parameters):
        rows.append(
            (row.name, row.type, "yes" if row.required else "no", row.default, row.description)
        )
    if len(rows) == 1:
        print("(no parameters)")
        return 0
    _table(rows)
    return 0


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
