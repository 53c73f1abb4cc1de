"""The only code that talks to Kubernetes (an import-linter contract checks it).

``Cluster`` wraps one API server: server-side apply (``PATCH`` with
``application/apply-patch+yaml``, field manager ``gitops-vela``, forced),
dry-run apply, list by label selector, get, delete with background
propagation, discovery cached per run. ``Cluster.impersonating`` gives a view
whose requests act as a repository's ServiceAccount (``identity``). Objects are plain dicts. Failures
leave as the project's ``ClusterError`` tree (see ``gitops_vela.errors``);
5xx, 429 and timeouts are retried with backoff that honours ``Retry-After``.
"""

from gitops_vela.cluster.client import Applied, Cluster, Outcome
from gitops_vela.cluster.config import load_configuration
from gitops_vela.cluster.discovery import Discovery, Resource
from gitops_vela.cluster.identity import Identity
from gitops_vela.cluster.transport import RequestHook, RetryPolicy

__all__ = [
    "Applied",
    "Cluster",
    "Discovery",
    "Identity",
    "Outcome",
    "RequestHook",
    "Resource",
    "RetryPolicy",
    "load_configuration",
]
