"""Sync: bring the cluster to what Git renders, and say how it went, as data.

Entry points:

- ``sync_repository(cluster, render, *, repo, options, last_good)`` -- one
  repository's sync, what the daemon runs every poll and ``apply`` runs once:
  apply every rendered app (and the last good render of broken ones), prune
  (guarded) what apps no longer render, prune apps removed from Git.
- ``sync_apps(cluster, apps, *, options, failed_apps)`` -- the same for a chosen
  set of apps, without touching apps that are not named.
- ``diff_apps(cluster, apps, *, options)`` -- what ``apply`` would change, as
  unified diffs with Secret values masked.
- ``rollout.wait_for_health(cluster, result, apps, *, timeout)`` -- after a
  sync, re-read the apps' health until Healthy, Degraded or the timeout
  (``apply --wait``).

One planner decides what changes (``plan``): apply executes its entries,
diff shows them, a dry run reports them. Modules, in the order of a sync:
``api`` (entry points), ``limits`` (repository-wide prune guards),
``pipeline`` (one run over many apps), ``writeahead`` (inventories before
objects), ``stages`` (stage by stage, kind by kind), ``live`` (reads),
``plan`` (decides, ownership included), ``apply`` (writes one object),
``inventory``, ``prune`` + ``dependents`` (what must not be deleted),
``removed`` (apps deleted from Git), ``health``.

Results are values: ``SyncResult`` holds one ``AppResult`` per app with its
``ChangeSet`` (created | configured | unchanged | deleted | skipped | failed,
each with a reason), its ``HealthReport`` and a ``Reason``.

Ordering rules
--------------
Objects are applied in three stages; a stage ends before the next begins.

1. **Definitions**: CustomResourceDefinitions and Namespaces. Sync waits
   until each CRD is Established and each Namespace is Active, then
   refreshes discovery so kinds the CRDs introduce can be applied in the
   same run (a CRD and its custom resources may live in one app).
2. **Classes**: IngressClass, StorageClass, PriorityClass, RuntimeClass and
   similar cluster-wide kinds that other objects name.
3. **Resources**: everything else in a fixed kind order (``ordering.KIND_ORDER``:
   policies, service accounts, Secrets and ConfigMaps, storage, RBAC,
   Services, workloads, autoscalers, Jobs, Ingresses, webhooks), then custom
   resources ordered by kind.

Within a kind, objects are independent: they are applied concurrently (a
bounded pool) and one failure does not stop the others. The namespace an app
names is created when missing and is never pruned.

An object is sent only when it drifted: live objects are read with one list
request per kind (by the ownership label; objects not found are looked for
without it); an object whose live digest is the one last applied and whose
every applied field has its value live is unchanged with no further request;
otherwise a server-side dry run decides (server defaults are not drift) and
only then is it applied. An object another app owns is never applied over.
An object the repository's policy refused at render (``RenderedApp.refused``)
is never planned nor sent: it fails its app, which then prunes nothing.

Each app's inventory is written before the objects it adds (write-ahead).
Pruning runs after apply, per app, in the reverse order (custom resources
first, Namespaces and CRDs last), with background propagation. Stale objects
are those the app's previous inventory lists and no app renders now. Nothing
is pruned for an app that failed to load, render or apply in this run, nor
when an app still in Git renders no object, nor in a repository whose render
is empty or that would prune more than its limit; objects without the app's
ownership label, annotated ``gitops-vela.dev/prune: disabled``, or holding
others' objects (a Namespace, a CRD with custom resources) are kept.
See docs/safety.md.
"""

from gitops_vela.sync.api import diff_apps, sync_apps, sync_repository
from gitops_vela.sync.health import HealthReport, ObjectHealth
from gitops_vela.sync.results import DEFAULT_INVENTORY_NAMESPACE, AppResult, SyncOptions, SyncResult

__all__ = [
    "DEFAULT_INVENTORY_NAMESPACE",
    "AppResult",
    "HealthReport",
    "ObjectHealth",
    "SyncOptions",
    "SyncResult",
    "diff_apps",
    "sync_apps",
    "sync_repository",
]
