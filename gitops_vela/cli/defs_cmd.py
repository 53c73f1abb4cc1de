"""``defs list`` and ``defs show``: the capabilities an Appfile can use, offline."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import Any

from gitops_vela.catalog import Catalog, load_catalog, parse_pin
from gitops_vela.catalog.describe import applies_text, origin_text, parameter_rows
from gitops_vela.catalog.healthlib import policy_rows
from gitops_vela.cli import defs_check_cmd
from gitops_vela.cli.common import (
    add_app_glob_arg,
    add_output_arg,
    app_globs,
    checkout,
    command_parser,
    looks_like_repository,
)
from gitops_vela.cli.outputs import emit
from gitops_vela.model.definitions import Definition
from gitops_vela.render.loading import load_apps

_OUTPUTS = ("table", "json", "yaml")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defs = command_parser(
        subparsers,
        "defs",
        help="list, show, test or vet capability definitions",
        example="gitops-vela defs show webservice",
    )
    defs.set_defaults(handler=lambda _args: _usage(defs))
    verbs = defs.add_subparsers(dest="verb", metavar="VERB")
    listing = command_parser(
        verbs,
        "list",
        help="every workload type and trait an Appfile can use",
        example="gitops-vela defs list sample-repo -o json",
    )
    listing.add_argument("path", nargs="?", default=".", help="repository (default: .)")
    add_app_glob_arg(listing)
    add_output_arg(listing, _OUTPUTS, help="a table (default), or JSON/YAML for machines")
    listing.set_defaults(handler=_defs_list)
    show = command_parser(
        verbs,
        "show",
        help="a definition's parameters, what it applies to, what it conflicts with",
        example="gitops-vela defs show route sample-repo",
    )
    show.add_argument("name", help="definition name, optionally pinned: NAME@MAJOR[.MINOR]")
    # None, not ".": a name not found hints at passing the repository only when PATH was left out
    show.add_argument("path", nargs="?", default=None, help="repository (default: .)")
    add_output_arg(show, _OUTPUTS, help="text and a table (default), or JSON/YAML")
    show.set_defaults(handler=_defs_show)
    defs_check_cmd.register(verbs)


def _catalog(path: str) -> Catalog:
    root, repo = checkout(path)
    catalog = load_catalog(root, origin=repo)
    for problem in catalog.diagnostics:
        print(str(problem), file=sys.stderr)
    return catalog


def _defs_list(args: argparse.Namespace) -> int:
    catalog = _catalog(args.path)
    health = policy_rows(catalog)
    users = _users(args, catalog)
    if args.output != "table":
        policies = [{"kind": r.kind, "policy": r.policy, "from": r.origin} for r in health]
        listed = [{**_summary(d), "usedBy": users.get(d.ref, [])} for d in _every(catalog)]
        emit({"definitions": listed, "healthPolicies": policies}, args.output)
        return 0
    rows = [("NAME", "VERSION", "KIND", "APPLIES-TO", "ORIGIN", "USED-BY", "DESCRIPTION")]
    for definition in _every(catalog):
        kind = "trait" if definition.is_trait else "workload"
        applies = applies_text(definition)
        applies = applies if len(applies) <= 48 else applies[:45] + "..."
        version = definition.version or "-"
        origin = origin_text(definition)
        used = _used_text(users.get(definition.ref, []))
        rows.append((definition.name, version, kind, applies, origin, used, _short(definition)))
    _table(rows)
    print("health policies by kind (a definition's own healthPolicy wins for what it renders):")
    _table([("KIND", "POLICY", "FROM"), *((r.kind, r.policy, r.origin) for r in health)])
    return 0


def _every(catalog: Catalog) -> list[Definition]:
    """Every version of every definition: by name, newest version first."""
    return [version for newest in catalog for version in catalog.versions(newest.name)]


def _users(args: argparse.Namespace, catalog: Catalog) -> dict[str, list[str]]:
    """Definition ref -> the apps whose Appfiles use that version (checked, not rendered).

    Apps are looked for only in a folder laid out as a repository (or with
    ``--app-glob``): ``defs list`` also runs where there are no apps at all.
    """
    root, repo = checkout(args.path)
    if not args.app_globs and not looks_like_repository(root):
        return {}
    loaded, _ = load_apps(root, repo=repo, catalog=catalog, globs=app_globs(args, root))
    users: dict[str, list[str]] = {}
    for app in loaded:
        for ref in sorted(app.definitions):
            users.setdefault(ref, []).append(app.name)
    return {ref: sorted(set(names)) for ref, names in users.items()}


def _used_text(names: Sequence[str]) -> str:
    if not names:
        return "-"
    shown = ",".join(names[:3]) + (",..." if len(names) > 3 else "")
    return f"{len(names)}:{shown}"


def _summary(definition: Definition) -> dict[str, Any]:
    return {
        "name": definition.name,
        "version": definition.version,
        "kind": definition.kind.value,
        "origin": definition.origin,
        "overridesBuiltin": definition.overrides_builtin,
        "path": definition.path,
        "description": definition.description,
        "appliesToWorkloads": list(definition.applies_to) if definition.is_trait else [],
        "conflictsWith": list(definition.conflicts_with),
        "definitionRef": definition.definition_ref,
    }


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
    name, pin = parse_pin(args.name) or (args.name, "")
    definition = catalog.resolve(name, pin)
    if definition is None:
        _not_found(args.name, catalog, defaulted=args.path is None)
        return 1
    if args.output != "table":
        emit({**_summary(definition), "parameters": dict(definition.parameters)}, args.output)
        return 0
    print(f"# {definition.ref} ({definition.kind.value}, {origin_text(definition)})")
    if len(catalog.versions(name)) > 1:
        print(f"versions: {', '.join(d.version or '(none)' for d in catalog.versions(name))}")
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
