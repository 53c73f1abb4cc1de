"""The health library: Jsonnet health policies for popular custom resources, by group/kind.

A library policy judges every object of its kind, whichever definition (or
``k8s-objects``) rendered it. What wins, most specific first:

1. the ``healthPolicy`` of the definition that rendered the object;
2. a repository's (or center's) definition whose ``definitionRef`` names the
   kind (``clonesets.apps.kruise.io``) and has a ``healthPolicy``: it replaces
   the library's for every object of that kind in the repository's apps;
3. the built-in rules (core kinds), then this library, then the generic
   kstatus-style rule.

1 and 2 are chosen at render time (``policy_for``); 3 at health time, on the
live object (``library_policy``), since Crossplane claims and composites are
recognised by what Crossplane wrote into them, not by a fixed kind.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_vela.model.definitions import Definition

HEALTH_DIR = Path(__file__).resolve().parent / "health"


@dataclass(frozen=True, slots=True)
class LibraryPolicy:
    """One kind the library judges, and the Jsonnet file that judges it."""

    group: str
    kind: str
    plural: str
    file: str
    project: str

    @property
    def resource(self) -> str:
        """``clonesets.apps.kruise.io``, as a definition's ``definitionRef`` names it."""
        return f"{self.plural}.{self.group}"

    @property
    def source(self) -> str:
        return _read(self.file)


LIBRARY: tuple[LibraryPolicy, ...] = (
    LibraryPolicy(
        "apps.kruise.io", "CloneSet", "clonesets", "kruise-cloneset.jsonnet", "OpenKruise"
    ),
    LibraryPolicy("flagger.app", "Canary", "canaries", "flagger-canary.jsonnet", "Flagger"),
    LibraryPolicy("argoproj.io", "Rollout", "rollouts", "argo-rollout.jsonnet", "Argo Rollouts"),
    LibraryPolicy(
        "cert-manager.io",
        "Certificate",
        "certificates",
        "cert-manager-certificate.jsonnet",
        "cert-manager",
    ),
    LibraryPolicy(
        "cert-manager.io", "Issuer", "issuers", "cert-manager-issuer.jsonnet", "cert-manager"
    ),
    LibraryPolicy(
        "cert-manager.io",
        "ClusterIssuer",
        "clusterissuers",
        "cert-manager-issuer.jsonnet",
        "cert-manager",
    ),
    LibraryPolicy(
        "kustomize.toolkit.fluxcd.io", "Kustomization", "kustomizations", "flux.jsonnet", "Flux"
    ),
    LibraryPolicy("helm.toolkit.fluxcd.io", "HelmRelease", "helmreleases", "flux.jsonnet", "Flux"),
    LibraryPolicy(
        "source.toolkit.fluxcd.io", "GitRepository", "gitrepositories", "flux.jsonnet", "Flux"
    ),
    LibraryPolicy(
        "source.toolkit.fluxcd.io", "OCIRepository", "ocirepositories", "flux.jsonnet", "Flux"
    ),
    LibraryPolicy("keda.sh", "ScaledObject", "scaledobjects", "keda-scaledobject.jsonnet", "KEDA"),
    LibraryPolicy(
        "external-secrets.io",
        "ExternalSecret",
        "externalsecrets",
        "external-secret.jsonnet",
        "External Secrets",
    ),
    LibraryPolicy(
        "monitoring.coreos.com",
        "ServiceMonitor",
        "servicemonitors",
        "prometheus-monitor.jsonnet",
        "Prometheus Operator",
    ),
    LibraryPolicy(
        "monitoring.coreos.com",
        "PodMonitor",
        "podmonitors",
        "prometheus-monitor.jsonnet",
        "Prometheus Operator",
    ),
    LibraryPolicy(
        "mysql.oracle.com",
        "InnoDBCluster",
        "innodbclusters",
        "mysql-innodbcluster.jsonnet",
        "MySQL Operator",
    ),
)

COMPOSITE_FILE = "crossplane-composite.jsonnet"
"""Crossplane claims and composite resources, in whatever group their XRD gives them."""

_BY_KIND: Mapping[tuple[str, str], LibraryPolicy] = {(p.group, p.kind): p for p in LIBRARY}
_BY_RESOURCE: Mapping[str, LibraryPolicy] = {p.resource: p for p in LIBRARY}


@functools.cache
def _read(file: str) -> str:
    return (HEALTH_DIR / file).read_text(encoding="utf-8")


def library_policy(obj: Mapping[str, Any]) -> tuple[str, str] | None:
    """The library's policy for a live object, as (file, Jsonnet source), or None."""
    group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    found = _BY_KIND.get((group, str(obj.get("kind") or "")))
    if found is not None:
        return found.file, found.source
    if group and _is_composite(obj):
        return COMPOSITE_FILE, _read(COMPOSITE_FILE)
    return None


def _is_composite(obj: Mapping[str, Any]) -> bool:
    """Crossplane sets these on every claim (v1) and composite resource (v1 and v2)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return False
    crossplane = spec.get("crossplane")
    if isinstance(crossplane, dict) and "compositionRef" in crossplane:
        return True  # v2 composite
    return "compositionRef" in spec and ("resourceRef" in spec or "resourceRefs" in spec)


def overrides(definitions: Iterable[Definition]) -> dict[tuple[str, str], Definition]:
    """Library kinds whose policy a definition replaces: the highest by precedence, first by name.

    ``definitions`` come in catalog order (built-ins, centers, the repository);
    only definitions naming a library kind in ``definitionRef`` with a
    ``healthPolicy`` count.
    """
    chosen: dict[tuple[str, str], Definition] = {}
    for definition in definitions:
        entry = _BY_RESOURCE.get(definition.definition_ref)
        if entry is None or not definition.health_policy:
            continue
        key = (entry.group, entry.kind)
        previous = chosen.get(key)
        if previous is None or _rank(definition) > _rank(previous):
            chosen[key] = definition
    return chosen


def _rank(definition: Definition) -> int:
    """Repository above centers above built-ins (the catalog's own precedence)."""
    if definition.origin == "builtin":
        return 0
    return 1 if definition.origin.startswith("center:") else 2


def policy_for(
    group: str,
    kind: str,
    *,
    rendered_by: Definition,
    replaced: Mapping[tuple[str, str], Definition],
) -> str | None:
    """The render-time policy of an object: its definition's, else a repository override."""
    if rendered_by.health_policy:
        return rendered_by.health_policy
    override = replaced.get((group, kind))
    return override.health_policy if override is not None else None


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """One line of ``defs list``: a kind, what judges it, and where that comes from."""

    kind: str
    policy: str
    origin: str


def policy_rows(definitions: Iterable[Definition]) -> list[PolicyRow]:
    """What judges each library kind in a repository: the library, or a definition replacing it."""
    replaced = overrides(definitions)
    rows = []
    for entry in LIBRARY:
        override = replaced.get((entry.group, entry.kind))
        if override is None:
            rows.append(
                PolicyRow(f"{entry.kind}.{entry.group}", entry.file, f"library ({entry.project})")
            )
        else:
            rows.append(
                PolicyRow(
                    f"{entry.kind}.{entry.group}", f"definition {override.name}", override.origin
                )
            )
    rows.append(
        PolicyRow("Crossplane claims and composites", COMPOSITE_FILE, "library (Crossplane)")
    )
    return rows
