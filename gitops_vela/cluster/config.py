"""Where the cluster is: kubeconfig, context and in-cluster resolution, like kubectl.

Order when nothing is given: ``$KUBECONFIG`` (a path list), ``~/.kube/config``,
then the pod's service account (in-cluster). ``prefer_in_cluster`` flips the
last two for the daemon, which normally runs in a pod (DESIGN §9).

The official client is imported only when a configuration is built: commands
that never connect (render, validate, why --offline) do not pay its import.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from gitops_vela.errors import ConfigError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.yamldoc import YamlError, load

if TYPE_CHECKING:
    from kubernetes import client as k8s

_IN_CLUSTER_ENV = "KUBERNETES_SERVICE_HOST"


def load_configuration(
    kubeconfig: str | None = None,
    context: str | None = None,
    *,
    prefer_in_cluster: bool = False,
) -> k8s.Configuration:
    """A client configuration for ``(kubeconfig, context)``, resolved like kubectl."""
    if kubeconfig:
        return _from_kubeconfig(kubeconfig, context)
    found = _default_kubeconfig()
    in_cluster = bool(os.environ.get(_IN_CLUSTER_ENV))
    if in_cluster and (prefer_in_cluster or found is None) and not context:
        return _from_service_account()
    if found is not None:
        return _from_kubeconfig(found, context)
    env = os.environ.get("KUBECONFIG", "")
    if env:
        # Set but naming no existing file: say so rather than "no $KUBECONFIG".
        raise ConfigError(
            Diagnostic(
                env,
                "no such kubeconfig file (named by $KUBECONFIG)",
                hint="fix $KUBECONFIG or pass --kubeconfig FILE",
            )
        )
    raise ConfigError(
        Diagnostic(
            "kubeconfig",
            "no cluster configured: no $KUBECONFIG, no ~/.kube/config, not in a pod",
            hint="pass --kubeconfig FILE, or start one with `gitops-vela emulator`",
        )
    )


def _default_kubeconfig() -> str | None:
    env = os.environ.get("KUBECONFIG", "")
    paths = [p for p in env.split(os.pathsep) if p and Path(p).expanduser().exists()]
    if paths:
        return os.pathsep.join(paths)
    home = Path("~/.kube/config").expanduser()
    return str(home) if home.exists() else None


def _from_kubeconfig(path: str, context: str | None) -> k8s.Configuration:
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    configuration = k8s.Configuration()
    where = path.split(os.pathsep)[0]
    if os.pathsep not in path:
        _check_kubeconfig_file(Path(path).expanduser(), shown=where)
    try:
        k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=path,
            context=context,
            client_configuration=configuration,
            persist_config=False,
        )
    except (k8s_config.ConfigException, OSError, ValueError, yaml.YAMLError) as exc:
        message = " ".join(str(exc).split())
        raise ConfigError(Diagnostic(where, f"cannot use kubeconfig: {message}")) from exc
    return configuration


def _check_kubeconfig_file(path: Path, *, shown: str) -> None:
    """Fail with one line for what the client would raise a traceback on."""
    try:
        data = load(path.read_bytes(), path=shown)
    except FileNotFoundError as exc:
        raise ConfigError(Diagnostic(shown, "no such kubeconfig file")) from exc
    except OSError as exc:
        raise ConfigError(Diagnostic(shown, f"cannot read kubeconfig: {exc.strerror}")) from exc
    except YamlError as exc:
        raise ConfigError(exc.diagnostic) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            Diagnostic(shown, "not a kubeconfig: expected a mapping with clusters, contexts, users")
        )


def _from_service_account() -> k8s.Configuration:
    from kubernetes import client as k8s
    from kubernetes import config as k8s_config

    configuration = k8s.Configuration()
    try:
        k8s_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except k8s_config.ConfigException as exc:
        raise ConfigError(
            Diagnostic("serviceaccount", f"cannot use in-cluster config: {exc}")
        ) from exc
    return configuration
