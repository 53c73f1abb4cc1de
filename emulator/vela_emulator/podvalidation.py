"""Pod spec rules of ``pkg/apis/core/validation`` (every pod template goes through them).

Containers (names DNS-1123 labels and unique, image required, ports 1-65535
with a supported protocol, pull and termination-message policies, resource
names and quantities with requests <= limits) and the restart policy, in the
order ``ValidatePodSpec`` checks them. Runs after defaulting, as in the
apiserver, so defaulted fields (protocol, imagePullPolicy) are set and
quantities are canonical.
"""

from __future__ import annotations

import re
from typing import Any

from vela_emulator import quantity
from vela_emulator.fielderrors import (
    NEGATIVE,
    Cause,
    duplicate,
    invalid,
    is_dns1123_label,
    is_valid_port_num,
    not_found,
    not_supported,
    required,
)
from vela_emulator.metavalidation import meta_causes

Obj = dict[str, Any]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
_STANDARD_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_PORT_NAME = re.compile(r"^[-a-z0-9]+$")


def _dicts(value: Any) -> list[Obj]:
    return [v if isinstance(v, dict) else {} for v in value] if isinstance(value, list) else []


def template_causes(template: Any, field: str) -> list[Cause]:
    """ValidatePodTemplateSpec: the template's labels and annotations, then its pod spec."""
    template = template if isinstance(template, dict) else {}
    return meta_causes(template.get("metadata"), f"{field}.metadata") + pod_spec_causes(
        template.get("spec"), f"{field}.spec"
    )


def volume_causes(volumes: Any, field: str) -> tuple[list[Cause], set[str]]:
    """ValidateVolumes: names DNS-1123 labels, unique; returns the names too."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, volume in enumerate(_dicts(volumes)):
        path = f"{field}[{i}].name"
        name = volume.get("name")
        if not name:
            causes.append(required(path))
        elif isinstance(name, str):
            causes.extend(invalid(path, name, msg) for msg in is_dns1123_label(name))
        if name in names:
            causes.append(duplicate(path, name))
        if isinstance(name, str):
            names.add(name)
    return causes, names


def mount_causes(mounts: Any, volumes: set[str], field: str) -> list[Cause]:
    """ValidateVolumeMounts: a mount names a volume of the pod, at a unique path."""
    causes: list[Cause] = []
    paths: set[str] = set()
    for i, mount in enumerate(_dicts(mounts)):
        path = f"{field}[{i}]"
        name = mount.get("name")
        if not name:
            causes.append(required(f"{path}.name"))
        if name not in volumes:
            causes.append(not_found(f"{path}.name", name or ""))
        mount_path = mount.get("mountPath")
        if not mount_path:
            causes.append(required(f"{path}.mountPath"))
        if mount_path in paths:
            causes.append(invalid(f"{path}.mountPath", mount_path, "must be unique"))
        if isinstance(mount_path, str):
            paths.add(mount_path)
    return causes


def pod_spec_causes(spec: Any, field: str) -> list[Cause]:
    spec = spec if isinstance(spec, dict) else {}
    containers = _dicts(spec.get("containers"))
    causes, volumes = volume_causes(spec.get("volumes"), f"{field}.volumes")
    if not containers:
        causes.append(required(f"{field}.containers"))
    names: set[str] = set()
    for key, items in (("containers", containers), ("initContainers", spec.get("initContainers"))):
        for i, container in enumerate(_dicts(items)):
            path = f"{field}.{key}[{i}]"
            causes.extend(container_causes(container, path, volumes))
            name = container.get("name")
            if name in names:
                causes.append(duplicate(f"{path}.name", name))
            elif name:
                names.add(str(name))
    causes.extend(_restart_policy(spec.get("restartPolicy"), f"{field}.restartPolicy"))
    return causes


def _restart_policy(policy: Any, field: str) -> list[Cause]:
    if not policy:
        return [required(field)]
    return [] if policy in RESTART_POLICIES else [not_supported(field, policy, RESTART_POLICIES)]


def container_causes(container: Obj, path: str, volumes: set[str]) -> list[Cause]:
    """validateContainerCommon: the rules every container kind shares."""
    causes: list[Cause] = []
    name = container.get("name")
    if not name:
        causes.append(required(f"{path}.name"))
    elif isinstance(name, str):
        causes.extend(invalid(f"{path}.name", name, msg) for msg in is_dns1123_label(name))
    if not container.get("image"):
        causes.append(required(f"{path}.image"))
    policy = container.get("terminationMessagePolicy")
    if policy and policy not in _MESSAGE_POLICIES:
        causes.append(not_supported(f"{path}.terminationMessagePolicy", policy, _MESSAGE_POLICIES))
    causes.extend(port_causes(container.get("ports"), f"{path}.ports"))
    causes.extend(env_causes(container.get("env"), f"{path}.env"))
    causes.extend(mount_causes(container.get("volumeMounts"), volumes, f"{path}.volumeMounts"))
    causes.extend(_pull_policy(container.get("imagePullPolicy"), f"{path}.imagePullPolicy"))
    causes.extend(resource_causes(container.get("resources"), f"{path}.resources"))
    return causes


_RELAXED_ENV_NAME = "a valid environment variable name must consist only of printable ASCII characters other than '='"
_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")


def env_causes(env: Any, field: str) -> list[Cause]:
    """ValidateEnv with 1.32's relaxed names (RelaxedEnvironmentVariableValidation, beta)."""
    causes: list[Cause] = []
    for i, var in enumerate(_dicts(env)):
        path = f"{field}[{i}]"
        name = var.get("name")
        name = name if isinstance(name, str) else ""
        if not name:
            causes.append(required(f"{path}.name"))
            causes.append(
                invalid(f"{path}.name", name, "environment variable name must be non-empty")
            )
        elif any(not (" " <= c <= "~") or c == "=" for c in name):
            causes.append(invalid(f"{path}.name", name, _RELAXED_ENV_NAME))
        causes.extend(_value_from_causes(var, f"{path}.valueFrom"))
    return causes


def _value_from_causes(var: Obj, field: str) -> list[Cause]:
    source = var.get("valueFrom")
    if not isinstance(source, dict):
        return []
    given = [key for key in _ENV_SOURCES if source.get(key) is not None]
    if not given:
        detail = "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
        return [invalid(field, "", detail)]
    if var.get("value"):
        return [invalid(field, "", "may not be specified when `value` is not empty")]
    if len(given) > 1:
        return [invalid(field, "", "may not have more than one field specified at a time")]
    causes: list[Cause] = []
    for key in ("configMapKeyRef", "secretKeyRef"):
        ref = source.get(key)
        if isinstance(ref, dict):
            for part in ("name", "key"):
                if not ref.get(part):
                    causes.append(required(f"{field}.{key}.{part}"))
    return causes


def _pull_policy(policy: Any, field: str) -> list[Cause]:
    if not policy:
        return [required(field)]
    return [] if policy in PULL_POLICIES else [not_supported(field, policy, PULL_POLICIES)]


def _port_name_errors(name: str) -> list[str]:
    """IsValidPortName (an IANA_SVC_NAME)."""
    errors = []
    if len(name) > 15:
        errors.append("must be no more than 15 characters")
    if not _PORT_NAME.match(name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errors.append("must contain at least one letter (a-z)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def port_causes(ports: Any, field: str) -> list[Cause]:
    """validateContainerPorts."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, port in enumerate(_dicts(ports)):
        path = f"{field}[{i}]"
        name = port.get("name")
        if isinstance(name, str) and name:
            causes.extend(invalid(f"{path}.name", name, m) for m in _port_name_errors(name))
            if name in names:
                causes.append(duplicate(f"{path}.name", name))
            names.add(name)
        number = port.get("containerPort")
        if not number:
            causes.append(required(f"{path}.containerPort"))
        else:
            causes.extend(
                invalid(f"{path}.containerPort", number, m) for m in is_valid_port_num(number)
            )
        if port.get("hostPort"):
            host = port["hostPort"]
            causes.extend(invalid(f"{path}.hostPort", host, m) for m in is_valid_port_num(host))
        causes.extend(protocol_causes(port.get("protocol"), f"{path}.protocol"))
    return causes


def protocol_causes(protocol: Any, field: str) -> list[Cause]:
    if not protocol:
        return [required(field)]
    return [] if protocol in PROTOCOLS else [not_supported(field, protocol, PROTOCOLS)]


def _overcommit_allowed(name: str) -> bool:
    # IsOvercommitAllowed: native resources (no domain, or kubernetes.io) but not hugepages
    native = "/" not in name or name.split("/")[0].endswith("kubernetes.io")
    return native and not name.startswith("hugepages-")


def _resource_name_causes(name: str, field: str) -> list[Cause]:
    if "/" in name or name in _STANDARD_RESOURCES or name.startswith("hugepages-"):
        return []
    return [invalid(field, name, "must be a standard resource for containers")]


def _values(resources: Obj, key: str) -> dict[str, Any]:
    value = resources.get(key)
    return value if isinstance(value, dict) else {}


def _amount(value: Any) -> Any:
    try:
        return quantity.parse(value)
    except quantity.QuantityError:
        return None  # decoding refuses it first; nothing to compare here


def _limit_causes(name: str, request: Any, limits: dict[str, Any], field: str) -> list[Cause]:
    """A request against its limit: within it, or equal for non-overcommittable resources."""
    if name not in limits:
        if _overcommit_allowed(name):
            return []
        return [required(f"{field}.limits", "Limit must be set for non overcommitable resources")]
    amount, limit = _amount(request), _amount(limits[name])
    if amount is None or limit is None:
        return []
    if amount != limit and not _overcommit_allowed(name):
        detail = f"must be equal to {name} limit of {limits[name]}"
    elif amount > limit:
        detail = f"must be less than or equal to {name} limit of {limits[name]}"
    else:
        return []
    return [invalid(f"{field}.requests", str(request), detail)]


def resource_causes(resources: Any, field: str) -> list[Cause]:
    """ValidateResourceRequirements: names, non-negative values, requests within limits."""
    if not isinstance(resources, dict):
        return []
    causes: list[Cause] = []
    limits, requests = _values(resources, "limits"), _values(resources, "requests")
    for key, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values):
            path = f"{field}.{key}[{name}]"
            causes.extend(_resource_name_causes(name, path))
            amount = _amount(values[name])
            if amount is not None and amount < 0:
                causes.append(invalid(path, str(values[name]), NEGATIVE))
            if key == "requests":
                causes.extend(_limit_causes(name, values[name], limits, field))
    return causes
