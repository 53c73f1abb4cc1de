"""``render`` and ``validate``: offline, no cluster needed."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gitops_vela.cli.common import (
    add_checkout_args,
    add_output_arg,
    add_selection_args,
    command_parser,
    render_checkout,
)
from gitops_vela.cli.defs_check_cmd import definition_errors
from gitops_vela.cli.outputs import emit, validate_json
from gitops_vela.cli.why_cmd import print_explained
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.render import yamltext
from gitops_vela.render.environments import declared_by, with_environment_checks


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    render = command_parser(
        subparsers,
        "render",
        help="render Appfiles into Kubernetes manifests, offline",
        example=(
            "gitops-vela render sample-repo --app shop -o yaml\n"
            "  gitops-vela render sample-repo -l tier=web -o json   # apps labelled tier=web\n"
            "  gitops-vela render sample-repo --env prod   # with prod's values"
        ),
    )
    _repo_args(render)
    add_selection_args(render)
    render.add_argument(
        "-o",
        "--output",
        default="yaml",
        metavar="yaml|json|dir=OUT",
        help="a YAML stream (default), a JSON List, or one file per object under OUT/<app>/",
    )
    render.add_argument(
        "--explain",
        action="store_true",
        help="YAML with a comment on each leaf naming its origin: Appfile line, default,"
        " context or template constant, and the template that set it (see `why`)",
    )
    render.set_defaults(handler=_render)

    validate = command_parser(
        subparsers,
        "validate",
        help="check Appfiles and definitions; one 'file:line: key: message' per error"
        " (without --env: the base and every environment the Appfiles declare)",
        example=(
            "gitops-vela validate sample-repo   # or -o json for CI annotations\n"
            "  gitops-vela validate sample-repo --env prod   # only prod's values"
        ),
    )
    _repo_args(validate)
    add_selection_args(validate)
    add_output_arg(
        validate, ("text", "json", "yaml"), help="text on stderr (default), or JSON/YAML on stdout"
    )
    validate.set_defaults(handler=_validate)


def _repo_args(parser: argparse.ArgumentParser) -> None:
    add_checkout_args(parser)
    parser.add_argument("--revision", default="", help="Git commit passed as context.revision")


def _render(args: argparse.Namespace) -> int:
    output = str(args.output)
    if output not in ("yaml", "json") and not output.startswith("dir="):
        print(f"error: -o {output}: expected yaml, json or dir=OUT", file=sys.stderr)
        return 2
    if output.startswith("dir=") and not output[len("dir=") :].strip():
        # An empty OUT would write the app folders into the current directory.
        print("error: -o dir=: give the output directory, e.g. -o dir=rendered", file=sys.stderr)
        return 2
    if args.explain and output != "yaml":
        print("error: --explain writes YAML comments: use it with -o yaml", file=sys.stderr)
        return 2
    repo, result, missing = render_checkout(args, revision=args.revision)
    try:
        if output == "yaml" and args.explain:
            print_explained(args, repo, result.apps)
        elif output == "yaml":
            _print_yaml(result.apps)
        elif output == "json":
            print(json.dumps(_as_list(result.apps), indent=2, sort_keys=False))
        else:
            _write_dir(Path(output[len("dir=") :]), result.apps)
        sys.stdout.flush()  # a reader that left shows up here, not at interpreter exit
    except BrokenPipeError:  # `gitops-vela render | head`: the reader left, not an error
        _discard_stdout()
        return 0
    for name in missing:
        print(f"error: no app named {name!r}", file=sys.stderr)
    if args.selector is not None and not missing and not result.apps and not result.failures:
        print("error: no app matches the selector (-l)", file=sys.stderr)
        return 1
    return _report(result) or (1 if missing else 0)


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush has nowhere to fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _validate(args: argparse.Namespace) -> int:
    repo, result, missing = render_checkout(args, revision=args.revision)
    # what ``defs vet`` calls errors in the repository's definitions fail validate too
    found = definition_errors(Path(args.path).resolve(), repo)
    result = dataclasses.replace(result, catalog_diagnostics=(*result.catalog_diagnostics, *found))
    for name in missing:
        print(f"error: no app named {name!r}", file=sys.stderr)
    if missing:
        return 1
    environments: tuple[str, ...] = (args.env,) if args.env else declared_by(result)
    if not args.env and environments:  # the base, then every environment the apps declare
        renders = {
            env: render_checkout(
                argparse.Namespace(**{**vars(args), "env": env}), revision=args.revision
            )[1]
            for env in environments
        }
        result = with_environment_checks(result, renders)
    if args.output != "text":
        document = validate_json(result)
        emit(document, args.output)
        return 0 if document["ok"] else 1
    status = _report(result)
    if status == 0:
        where = f" in environments {', '.join(environments)}" if environments else ""
        print(f"ok: {len(result.apps)} apps rendered without errors{where}")
    return status


def _report(result: RepositoryRender) -> int:
    """Print warnings and errors to stderr; 1 when anything failed."""
    for app in result.apps:
        for warning in app.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    errors: list[Diagnostic] = list(result.catalog_diagnostics)
    errors.extend(d for failure in result.failures for d in failure.diagnostics)
    errors.extend(result.refusals)
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
