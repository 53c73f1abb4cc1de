"""The subset of apiserver validation that clients run into in practice.

Names, required workload fields, selector/template agreement and immutable
fields, worded like ``k8s.io/apimachinery/pkg/util/validation`` and the
registry strategies, so ``ImmutableFieldError`` handling is tested for real.
"""

from __future__ import annotations

import json
import re
from typing import Any

from vela_emulator import celrules, fielderrors, metavalidation, podvalidation, structural
from vela_emulator.apistatus import ApiStatus, invalid
from vela_emulator.fielderrors import Cause
from vela_emulator.registry import ResourceType

Obj = dict[str, Any]
_SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
_WORKLOADS = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}


def _name_causes(rtype: ResourceType, name: str) -> list[Cause]:
    if not name:
        return [
            (
                "metadata.name",
                "FieldValueRequired",
                "Required value: name or generateName is required",
            )
        ]
    if rtype.kind == "Namespace":
        pattern, msg, limit = _LABEL, _LABEL_MSG, 63
    elif rtype.kind == "Service":
        pattern, msg, limit = _DNS1035, _DNS1035_MSG, 63
    elif rtype.group.startswith("rbac."):
        return []  # RBAC names are path segments, not DNS names
    else:
        pattern, msg, limit = _SUBDOMAIN, _SUBDOMAIN_MSG, 253
    if len(name) > limit:
        return [
            (
                "metadata.name",
                "FieldValueInvalid",
                f'Invalid value: "{name}": must be no more than {limit} characters',
            )
        ]
    if not pattern.match(name):
        return [("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {msg}')]
    return []


def _go_map(value: dict[str, Any] | None) -> str:
    items = ", ".join(f'"{k}":"{v}"' for k, v in sorted((value or {}).items()))
    return f"map[string]string{{{items}}}"


def _nonnegative(spec: Obj, key: str, prefix: str = "spec") -> list[Cause]:
    value = spec.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return [fielderrors.invalid(f"{prefix}.{key}", value, fielderrors.NEGATIVE)]
    return []


def _restart_only(template: Any, field: str, allowed: list[str]) -> list[Cause]:
    """The restart policies a controller's pods may have (the pod spec allows all three)."""
    spec = (template if isinstance(template, dict) else {}).get("spec") or {}
    policy = spec.get("restartPolicy") if isinstance(spec, dict) else None
    if policy and policy in podvalidation.RESTART_POLICIES and policy not in allowed:
        return [fielderrors.not_supported(f"{field}.spec.restartPolicy", policy, allowed)]
    return []


def _workload_causes(kind: str, obj: Obj) -> list[Cause]:
    """ValidateDeploymentSpec & co.: replicas, selector, template (restartPolicy Always)."""
    spec = obj.get("spec") or {}
    causes = [] if kind == "DaemonSet" else _nonnegative(spec, "replicas")
    selector = spec.get("selector")
    template = spec.get("template")
    if not selector:
        causes.append(fielderrors.required("spec.selector"))
    else:
        labels = ((template or {}).get("metadata") or {}).get("labels") or {}
        wanted = selector.get("matchLabels") or {}
        if any(labels.get(k) != v for k, v in wanted.items()):
            causes.append(
                (
                    "spec.template.metadata.labels",
                    "FieldValueInvalid",
                    f"Invalid value: {_go_map(labels)}: `selector` does not match template `labels`",
                )
            )
    causes.extend(podvalidation.template_causes(template, "spec.template"))
    causes.extend(_restart_only(template, "spec.template", ["Always"]))
    if kind == "Deployment":
        causes.extend(_strategy_causes(spec.get("strategy")))
    causes.extend(_nonnegative(spec, "minReadySeconds"))
    causes.extend(_nonnegative(spec, "revisionHistoryLimit"))
    return causes


_PERCENT = re.compile(r"^[0-9]+%$")


def _int_or_string(value: Any) -> str:
    """How field errors print an intstr.IntOrString passed by value (Go's %#v)."""
    if isinstance(value, str):
        return f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{value}"}}'
    return f'intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:""}}'


def _int_or_percent_causes(value: Any, field: str) -> list[Cause]:
    """ValidatePositiveIntOrPercent and IsNotMoreThan100Percent."""
    if isinstance(value, str):
        if not _PERCENT.match(value):
            detail = fielderrors.regex_error(
                "a valid percent string must be a numeric string followed by an ending '%'",
                "[0-9]+%",
                "1%",
                "93%",
            )
            return [
                (field, "FieldValueInvalid", f"Invalid value: {_int_or_string(value)}: {detail}")
            ]
        return []
    if isinstance(value, int) and value < 0:
        return [fielderrors.invalid(field, value, fielderrors.NEGATIVE)]
    return []


def _zero(value: Any) -> bool:
    return value in (0, None) or (isinstance(value, str) and value.rstrip("%") in ("0", ""))


def _strategy_causes(strategy: Any) -> list[Cause]:
    """ValidateDeploymentStrategy: Recreate has no rollingUpdate; a rolling update must move."""
    strategy = strategy if isinstance(strategy, dict) else {}
    rolling = strategy.get("rollingUpdate")
    field = "spec.strategy.rollingUpdate"
    if strategy.get("type") == "Recreate":
        if rolling is None:
            return []
        return [
            fielderrors.forbidden(field, "may not be specified when strategy `type` is 'Recreate'")
        ]
    if strategy.get("type") != "RollingUpdate" or not isinstance(rolling, dict):
        return []
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = _int_or_percent_causes(unavailable, f"{field}.maxUnavailable")
    causes += _int_or_percent_causes(surge, f"{field}.maxSurge")
    if _zero(unavailable) and _zero(surge):
        shown = unavailable if unavailable is not None else 0
        causes.append(
            (
                f"{field}.maxUnavailable",
                "FieldValueInvalid",
                f"Invalid value: {shown}: may not be 0 when `maxSurge` is 0",
            )
        )
    if isinstance(unavailable, str) and _PERCENT.match(unavailable) and int(unavailable[:-1]) > 100:
        causes.append(
            (
                f"{field}.maxUnavailable",
                "FieldValueInvalid",
                f"Invalid value: {_int_or_string(unavailable)}: must not be greater than 100%",
            )
        )
    return causes


def _job_causes(spec: Any, prefix: str) -> list[Cause]:
    """ValidateJobSpec: counts not negative, pods that restart OnFailure or Never."""
    spec = spec if isinstance(spec, dict) else {}
    causes: list[Cause] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit"):
        causes.extend(_nonnegative(spec, key, prefix))
    template = spec.get("template")
    causes.extend(podvalidation.template_causes(template, f"{prefix}.template"))
    causes.extend(_restart_only(template, f"{prefix}.template", ["OnFailure", "Never"]))
    return causes


def _hpa_causes(spec: Obj) -> list[Cause]:
    """validateHorizontalPodAutoscalerSpec: replica bounds and the scale target."""
    causes: list[Cause] = []
    low, high = spec.get("minReplicas"), spec.get("maxReplicas")
    if isinstance(low, int) and low < 1:
        causes.append(
            fielderrors.invalid("spec.minReplicas", low, "must be greater than or equal to 1")
        )
    if isinstance(high, int) and high < 1:
        causes.append(fielderrors.invalid("spec.maxReplicas", high, "must be greater than 0"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        detail = "must be greater than or equal to `minReplicas`"
        causes.append(fielderrors.invalid("spec.maxReplicas", high, detail))
    target: Obj = spec["scaleTargetRef"] if isinstance(spec.get("scaleTargetRef"), dict) else {}
    for key in ("kind", "name"):
        if not target.get(key):
            causes.append(fielderrors.required(f"spec.scaleTargetRef.{key}"))
    return causes


def _service_causes(spec: Obj) -> list[Cause]:
    """ValidateService: ports (required unless headless or ExternalName) and the type."""
    causes: list[Cause] = []
    kind = spec.get("type")
    ports: list[Any] = spec["ports"] if isinstance(spec.get("ports"), list) else []
    if kind != "ExternalName" and spec.get("clusterIP") != "None" and not ports:
        causes.append(fielderrors.required("spec.ports"))
    for i, port in enumerate(ports):
        port = port if isinstance(port, dict) else {}
        path = f"spec.ports[{i}]"
        if len(ports) > 1 and not port.get("name"):
            causes.append(fielderrors.required(f"{path}.name"))
        number = port.get("port")
        causes.extend(
            fielderrors.invalid(f"{path}.port", number, m)
            for m in fielderrors.is_valid_port_num(number)
        )
        causes.extend(podvalidation.protocol_causes(port.get("protocol"), f"{path}.protocol"))
    if kind and kind not in _SERVICE_TYPES:
        causes.append(fielderrors.not_supported("spec.type", kind, _SERVICE_TYPES))
    return causes


def _key_causes(obj: Obj, fields: tuple[str, ...]) -> list[Cause]:
    """ConfigMap and Secret keys: IsConfigMapKey for every key of every data map."""
    causes: list[Cause] = []
    for name in fields:
        values = obj.get(name)
        for key in sorted(values) if isinstance(values, dict) else ():
            causes.extend(
                fielderrors.invalid(f"{name}[{key}]", key, m)
                for m in fielderrors.is_config_map_key(key)
            )
    return causes


def _kind_causes(rtype: ResourceType, obj: dict[str, Any]) -> list[Cause]:
    spec = obj.get("spec") or {}
    if rtype.group == "apps" and rtype.kind in _WORKLOADS:
        return _workload_causes(rtype.kind, obj)
    if rtype.group == "batch" and rtype.kind == "Job":
        return _job_causes(spec, "spec")
    if rtype.group == "batch" and rtype.kind == "CronJob":
        job_template = spec.get("jobTemplate") or {}
        return _job_causes(job_template.get("spec"), "spec.jobTemplate.spec")
    if rtype.group == "autoscaling" and rtype.kind == "HorizontalPodAutoscaler":
        return _hpa_causes(spec)
    if rtype.group:
        return []
    if rtype.kind == "Pod":
        return podvalidation.pod_spec_causes(spec, "spec")
    if rtype.kind == "Service":
        return _service_causes(spec)
    if rtype.kind == "ConfigMap":
        return _key_causes(obj, ("data", "binaryData"))
    if rtype.kind == "Secret":
        return _key_causes(obj, ("data", "stringData"))
    return []


def validate(rtype: ResourceType, obj: Obj, *, old: Obj | None = None) -> None:
    """Raise 422 Invalid for what the apiserver would reject on create and update.

    ``old`` is the stored object on updates (CEL transition rules compare with it).
    """
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    causes = _name_causes(rtype, name) + metavalidation.meta_causes(meta)
    if rtype.crd:
        causes += structural.causes(obj, rtype.schema)
        causes += celrules.causes(obj, old, rtype.schema, digest=rtype.schema_digest)
    else:
        causes += _kind_causes(rtype, obj)
    if causes:
        raise invalid(rtype.kind, rtype.group, name, causes)


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _go_value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_IMMUTABLE: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps", "Deployment"): ("spec.selector",),
    ("apps", "ReplicaSet"): ("spec.selector",),
    ("apps", "DaemonSet"): ("spec.selector",),
    ("batch", "Job"): ("spec.selector", "spec.template"),
    ("networking.k8s.io", "IngressClass"): ("spec.controller",),
}
_STS_MUTABLE = {
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
}


def _immutable_causes(rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> list[Cause]:
    causes: list[Cause] = []
    for path in _IMMUTABLE.get((rtype.group, rtype.kind), ()):
        if _get(old, path) != _get(new, path):
            causes.append(
                (
                    path,
                    "FieldValueInvalid",
                    f"Invalid value: {_go_value(_get(new, path))}: field is immutable",
                )
            )
    if (rtype.group, rtype.kind) == ("apps", "StatefulSet"):
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        if any(
            old_spec.get(k) != new_spec.get(k)
            for k in set(old_spec) | set(new_spec)
            if k not in _STS_MUTABLE
        ):
            causes.append(
                (
                    "spec",
                    "FieldValueForbidden",
                    "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                    "'minReadySeconds' are forbidden",
                )
            )
    if rtype.kind in ("RoleBinding", "ClusterRoleBinding") and old.get("roleRef") != new.get(
        "roleRef"
    ):
        causes.append(
            (
                "roleRef",
                "FieldValueInvalid",
                f"Invalid value: {_go_value(new.get('roleRef'))}: cannot change roleRef",
            )
        )
    if rtype.kind in ("ConfigMap", "Secret") and not rtype.group and old.get("immutable"):
        for field in ("data", "binaryData") if rtype.kind == "ConfigMap" else ("data",):
            if old.get(field) != new.get(field):
                causes.append(
                    (
                        field,
                        "FieldValueForbidden",
                        "Forbidden: field is immutable when `immutable` is set",
                    )
                )
    if rtype.kind == "Service" and not rtype.group:
        old_ip, new_ip = _get(old, "spec.clusterIP"), _get(new, "spec.clusterIP")
        if old_ip and new_ip and old_ip != new_ip:
            causes.append(
                (
                    "spec.clusterIPs[0]",
                    "FieldValueInvalid",
                    f'Invalid value: []string{{"{new_ip}"}}: may not change once set',
                )
            )
    return causes


def validate_update(rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Raise 422 Invalid for changes to immutable fields."""
    causes = _immutable_causes(rtype, old, new)
    if causes:
        raise invalid(rtype.kind, rtype.group, str(new["metadata"]["name"]), causes)


def check_identity(rtype: ResourceType, obj: Any) -> None:
    """The body must be an object of the URL's kind and version (400 otherwise)."""
    if not isinstance(obj, dict):
        raise ApiStatus(
            400, "BadRequest", "the object provided is unrecognized (must be of type object)"
        )
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if api_version and api_version != rtype.api_version:
        raise ApiStatus(
            400,
            "BadRequest",
            f"the API version in the data ({api_version}) does not match the expected API version ({rtype.api_version})",
        )
    if kind and kind != rtype.kind:
        raise ApiStatus(
            400,
            "BadRequest",
            f"the kind in the data ({kind}) does not match the expected kind ({rtype.kind})",
        )
