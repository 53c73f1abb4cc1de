"""Defaulting of the built-in kinds, as kube-apiserver does it on every write and read.

``apply_defaults(obj)`` fills, in place, what the apiserver adds to an object
of a built-in kind before storing it and in every answer (create, update,
patch, apply, dry-run). Values a user set are kept; running it twice changes
nothing. Unknown kinds (custom resources) are left alone.

Sources (kubernetes/kubernetes, ``pkg/apis/<group>/<version>/defaults.go``
and the generated ``zz_generated.defaults.go`` that calls them for nested
types), by kind:

- apps/v1 Deployment, StatefulSet, DaemonSet, ReplicaSet: replicas,
  strategies, revisionHistoryLimit, progressDeadlineSeconds, podManagementPolicy,
  persistentVolumeClaimRetentionPolicy; StatefulSet volumeClaimTemplates get
  the PersistentVolumeClaim defaults.
- core/v1 pod specs (Pod, PodTemplate and every workload template):
  SetDefaults_PodSpec, SetDefaults_Container (imagePullPolicy by tag, the
  termination message), port protocol, probes and HTTP actions, env
  ``fieldRef.apiVersion``, volume sources (``defaultMode: 420``, emptyDir
  for a volume without source, hostPath ``type: ""``, token expiry).
  Pod only: SetDefaults_Pod (enableServiceLinks, requests from limits,
  host ports under hostNetwork).
- core/v1 Service (SetDefaults_Service), Secret (type Opaque), Namespace
  (name label, phase Active), PersistentVolumeClaim (volumeMode, phase).
- batch/v1 Job and CronJob, networking/v1 NetworkPolicy and IngressClass
  (Ingress has no defaults), autoscaling/v2 HorizontalPodAutoscaler
  (minReplicas, default CPU metric, behavior rules), rbac/v1 bindings.

Besides defaults.go, a few values the apiserver's registry or its Go
serialization adds are filled too, because clients see them in every answer:
a namespace's ``spec.finalizers: [kubernetes]`` (namespace strategy), a
Service's ``ipFamilies: [IPv4]``/``ipFamilyPolicy`` (IP allocation in a
single-stack IPv4 cluster), a Job's generated selector and controller labels
when the object already has a ``metadata.uid`` (job strategy), ``resources:
{}`` on containers and ``status.loadBalancer: {}`` on Services and Ingresses
(non-pointer Go structs), and resource quantities in canonical form
(``0.5`` -> ``500m``, ``2048Mi`` -> ``2Gi``, rounded up to milli-units).

Not done (the emulator's job or out of scope): clusterIP/nodePort
allocation, admission plugins (service account, default tolerations,
priority), the ``creationTimestamp: null`` of embedded templates, defaults
of rarely used volume plugins (iSCSI, RBD, AzureDisk, ScaleIO) and
alpha-feature fields.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction
from typing import Any

Obj = dict[str, Any]

_FILE_MODE_0644 = 420  # SecretVolumeSourceDefaultMode & co. in core/v1 types.go


def apply_defaults(obj: Obj) -> None:
    """Fill the apiserver's defaults into ``obj`` (in place) by apiVersion and kind."""
    gvk = (str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    handler = _HANDLERS.get(gvk)
    if handler is not None:
        handler(obj)
    zeros = _ZERO_STATUS.get(gvk)
    if zeros and isinstance(obj.get("status", {}), dict):
        status = _dict(obj, "status")
        for key in zeros:
            status.setdefault(key, 0)


# Status fields whose Go json tags lack omitempty: every answer carries them, 0 before a
# controller ran, and the typed models of clients (the Python client's) require them.
_ZERO_STATUS: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps/v1", "DaemonSet"): (
        "currentNumberScheduled",
        "numberMisscheduled",
        "desiredNumberScheduled",
        "numberReady",
    ),
    ("apps/v1", "StatefulSet"): ("replicas", "availableReplicas"),
    ("apps/v1", "ReplicaSet"): ("replicas",),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): ("desiredReplicas",),
    ("autoscaling/v1", "HorizontalPodAutoscaler"): ("currentReplicas", "desiredReplicas"),
}


# ----------------------------------------------------------------- helpers


def _unset(value: Any) -> bool:
    # Go zero values: a nil pointer, an empty string, a zero int.
    return (
        value is None
        or value == ""
        or (isinstance(value, int) and not isinstance(value, bool) and value == 0)
    )


def _default(obj: Obj, key: str, value: Any) -> None:
    """Set a pointer field (only ``None``/absent counts as unset)."""
    if obj.get(key) is None:
        obj[key] = value


def _default_zero(obj: Obj, key: str, value: Any) -> None:
    """Set a non-pointer field (its Go zero value counts as unset)."""
    if _unset(obj.get(key)):
        obj[key] = value


def _dict(obj: Obj, key: str) -> Obj:
    value = obj.get(key)
    if not isinstance(value, dict):
        value = {}
        obj[key] = value
    return value


def _dicts(value: Any) -> list[Obj]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _spec(obj: Obj) -> Obj:
    return _dict(obj, "spec")


# ----------------------------------------------------------------- core/v1


def _image_tag(image: str) -> str:
    """The tag parsers.ParseImageName finds (``latest`` when neither tag nor digest)."""
    name, _, digest = image.partition("@")
    head, _, last = name.rpartition("/")
    repository, _, tag = last.partition(":") if ":" in last else (last, "", "")
    if (
        not repository
        or any(c.isupper() for c in f"{head}/{repository}" if head)
        or repository != repository.lower()
    ):
        return ""  # unparsable: the apiserver ignores the error and finds no tag
    return tag or ("" if digest else "latest")


def _http_get(action: Any) -> None:
    # core/v1 SetDefaults_HTTPGetAction
    if isinstance(action, dict):
        _default_zero(action, "path", "/")
        _default_zero(action, "scheme", "HTTP")


def _probe(probe: Any) -> None:
    # core/v1 SetDefaults_Probe (+ HTTPGetAction, and GRPCAction.service's +default="")
    if not isinstance(probe, dict):
        return
    _default_zero(probe, "timeoutSeconds", 1)
    _default_zero(probe, "periodSeconds", 10)
    _default_zero(probe, "successThreshold", 1)
    _default_zero(probe, "failureThreshold", 3)
    _http_get(probe.get("httpGet"))
    if isinstance(probe.get("grpc"), dict):
        _default(probe["grpc"], "service", "")


def _field_ref(holder: Any) -> None:
    # core/v1 SetDefaults_ObjectFieldSelector
    if isinstance(holder, dict) and isinstance(holder.get("fieldRef"), dict):
        _default_zero(holder["fieldRef"], "apiVersion", "v1")


def _container(container: Obj) -> None:
    # core/v1 SetDefaults_Container and the generated calls for its fields
    if _unset(container.get("imagePullPolicy")):
        tag = _image_tag(str(container.get("image") or ""))
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    _default_zero(container, "terminationMessagePath", "/dev/termination-log")
    _default_zero(container, "terminationMessagePolicy", "File")
    for port in _dicts(container.get("ports")):
        _default_zero(port, "protocol", "TCP")
    for env in _dicts(container.get("env")):
        _field_ref(env.get("valueFrom"))
    resources = _dict(container, "resources")  # a non-pointer struct: always serialized
    _canonical_resources(resources)
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(container.get(name))
    lifecycle = container.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            if isinstance(lifecycle.get(hook), dict):
                _http_get(lifecycle[hook].get("httpGet"))


# The members of core/v1 VolumeSource.
_VOLUME_SOURCE_NAMES = (
    "hostPath emptyDir gcePersistentDisk awsElasticBlockStore gitRepo secret nfs iscsi "
    "glusterfs persistentVolumeClaim rbd flexVolume cinder cephfs flocker downwardAPI fc "
    "azureFile configMap vsphereVolume quobyte azureDisk photonPersistentDisk projected "
    "portworxVolume scaleIO storageos csi ephemeral image"
)
_VOLUME_SOURCES = frozenset(_VOLUME_SOURCE_NAMES.split())


def _volume(volume: Obj) -> None:
    # core/v1 SetDefaults_Volume and the volume-source defaulters
    if not any(volume.get(source) is not None for source in _VOLUME_SOURCES):
        volume["emptyDir"] = {}
    if isinstance(volume.get("hostPath"), dict):
        _default(volume["hostPath"], "type", "")
    for kind in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(volume.get(kind), dict):
            _default(volume[kind], "defaultMode", _FILE_MODE_0644)
    if isinstance(volume.get("downwardAPI"), dict):
        for item in _dicts(volume["downwardAPI"].get("items")):
            _field_ref(item)
    if isinstance(volume.get("projected"), dict):
        for source in _dicts(volume["projected"].get("sources")):
            if isinstance(source.get("downwardAPI"), dict):
                for item in _dicts(source["downwardAPI"].get("items")):
                    _field_ref(item)
            if isinstance(source.get("serviceAccountToken"), dict):
                _default(source["serviceAccountToken"], "expirationSeconds", 3600)
    ephemeral = volume.get("ephemeral")
    if isinstance(ephemeral, dict) and isinstance(ephemeral.get("volumeClaimTemplate"), dict):
        _pvc_spec(_spec(ephemeral["volumeClaimTemplate"]))


def _pod_spec(spec: Obj) -> None:
    # core/v1 SetDefaults_PodSpec (every pod spec, templates included)
    _default_zero(spec, "dnsPolicy", "ClusterFirst")
    _default_zero(spec, "restartPolicy", "Always")
    _default(spec, "securityContext", {})
    _default(spec, "terminationGracePeriodSeconds", 30)
    _default_zero(spec, "schedulerName", "default-scheduler")
    for volume in _dicts(spec.get("volumes")):
        _volume(volume)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _dicts(spec.get(key)):
            _container(container)
    if isinstance(spec.get("overhead"), dict):
        _canonical_list(spec["overhead"])


def _pod_template(holder: Obj) -> None:
    template = holder.get("template")
    if isinstance(template, dict):
        _pod_spec(_spec(template))


def _pod(obj: Obj) -> None:
    spec = _spec(obj)
    # core/v1 SetDefaults_Pod: requests default to limits; service links on.
    for key in ("containers", "initContainers"):
        for container in _dicts(spec.get(key)):
            resources = container.get("resources")
            if isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
                requests = _dict(resources, "requests")
                for name, value in resources["limits"].items():
                    requests.setdefault(name, value)
    _default(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork"):
        for key in ("containers", "initContainers"):
            for container in _dicts(spec.get(key)):
                for port in _dicts(container.get("ports")):
                    _default_zero(port, "hostPort", port.get("containerPort"))
    _pod_spec(spec)


def _service(obj: Obj) -> None:
    spec = _spec(obj)
    # core/v1 SetDefaults_Service
    _default_zero(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        config = spec.get("sessionAffinityConfig") or {}
        if (config.get("clientIP") or {}).get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    _default_zero(spec, "type", "ClusterIP")
    kind = spec["type"]
    for port in _dicts(spec.get("ports")):
        _default_zero(port, "protocol", "TCP")
        if _unset(port.get("targetPort")):
            port["targetPort"] = port.get("port")
    if kind in ("LoadBalancer", "NodePort") or (kind == "ClusterIP" and spec.get("externalIPs")):
        _default_zero(spec, "externalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        _default(spec, "internalTrafficPolicy", "Cluster")
    status = _dict(obj, "status")
    load_balancer = _dict(status, "loadBalancer")  # a non-pointer struct: always serialized
    if kind == "LoadBalancer":
        _default(spec, "allocateLoadBalancerNodePorts", True)
        for ingress in _dicts(load_balancer.get("ingress")):
            if ingress.get("ip"):
                _default(ingress, "ipMode", "VIP")
    _service_ip_families(spec)


def _service_ip_families(spec: Obj) -> None:
    # pkg/registry/core/service/storage: initIPFamilyFields, for a single-stack IPv4 cluster.
    if spec.get("type") == "ExternalName":
        return
    headless_without_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
    _default(
        spec, "ipFamilyPolicy", "RequireDualStack" if headless_without_selector else "SingleStack"
    )
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]


def _secret(obj: Obj) -> None:
    _default_zero(obj, "type", "Opaque")  # core/v1 SetDefaults_Secret


def _namespace(obj: Obj) -> None:
    meta = _dict(obj, "metadata")
    name = meta.get("name")
    if name:  # core/v1 SetDefaults_Namespace
        _dict(meta, "labels")["kubernetes.io/metadata.name"] = name
    _default_zero(_dict(obj, "status"), "phase", "Active")  # SetDefaults_NamespaceStatus
    spec = _spec(obj)
    if spec.get("finalizers") is None:  # namespace strategy PrepareForCreate
        spec["finalizers"] = ["kubernetes"]


def _pvc_spec(spec: Obj) -> None:
    _default(spec, "volumeMode", "Filesystem")  # core/v1 SetDefaults_PersistentVolumeClaimSpec
    if isinstance(spec.get("resources"), dict):
        _canonical_resources(spec["resources"])


def _pvc(obj: Obj) -> None:
    _pvc_spec(_spec(obj))
    _default_zero(_dict(obj, "status"), "phase", "Pending")  # SetDefaults_PersistentVolumeClaim


# ----------------------------------------------------------------- apps/v1


def _deployment(obj: Obj) -> None:
    spec = _spec(obj)  # apps/v1 SetDefaults_Deployment
    _default(spec, "replicas", 1)
    strategy = _dict(spec, "strategy")
    _default_zero(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        _default(rolling, "maxUnavailable", "25%")
        _default(rolling, "maxSurge", "25%")
    _default(spec, "revisionHistoryLimit", 10)
    _default(spec, "progressDeadlineSeconds", 600)
    _pod_template(spec)


def _daemon_set(obj: Obj) -> None:
    spec = _spec(obj)  # apps/v1 SetDefaults_DaemonSet
    strategy = _dict(spec, "updateStrategy")
    _default_zero(strategy, "type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = _dict(strategy, "rollingUpdate")
        _default(rolling, "maxUnavailable", 1)
        _default(rolling, "maxSurge", 0)
    _default(spec, "revisionHistoryLimit", 10)
    _pod_template(spec)


def _stateful_set(obj: Obj) -> None:
    spec = _spec(obj)  # apps/v1 SetDefaults_StatefulSet
    _default_zero(spec, "podManagementPolicy", "OrderedReady")
    strategy = _dict(spec, "updateStrategy")
    if _unset(strategy.get("type")):
        strategy["type"] = "RollingUpdate"
        _default(strategy, "rollingUpdate", {})
    rolling = strategy.get("rollingUpdate")
    if strategy["type"] == "RollingUpdate" and isinstance(rolling, dict):
        _default(rolling, "partition", 0)
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")  # StatefulSetAutoDeletePVC (GA)
    _default_zero(retention, "whenDeleted", "Retain")
    _default_zero(retention, "whenScaled", "Retain")
    _default(spec, "replicas", 1)
    _default(spec, "revisionHistoryLimit", 10)
    _pod_template(spec)
    for claim in _dicts(spec.get("volumeClaimTemplates")):
        _pvc(claim)


def _replica_set(obj: Obj) -> None:
    spec = _spec(obj)  # apps/v1 SetDefaults_ReplicaSet
    _default(spec, "replicas", 1)
    _pod_template(spec)


# ---------------------------------------------------------------- batch/v1


def _job(obj: Obj) -> None:
    spec = _spec(obj)
    # batch/v1 SetDefaults_Job runs when the request is decoded, the job
    # strategy then generates the selector, and every later read defaults
    # again: so labels copied from the template may include the generated ones.
    _job_template_labels(obj, spec)
    _job_selector(obj, spec)
    _job_template_labels(obj, spec)
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _default(spec, "parallelism", 1)
    _default(spec, "backoffLimit", 2**31 - 1 if spec.get("backoffLimitPerIndex") is not None else 6)
    _default(spec, "completionMode", "NonIndexed")
    _default(spec, "suspend", False)
    replacement = "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    _default(spec, "podReplacementPolicy", replacement)
    _default(spec, "manualSelector", False)
    _job_failure_policy(spec)
    _pod_template(spec)


def _job_template_labels(obj: Obj, spec: Obj) -> None:
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = _dict(obj, "metadata")
    if template_labels is not None and not meta.get("labels"):
        meta["labels"] = dict(template_labels)


def _job_selector(obj: Obj, spec: Obj) -> None:
    # job strategy generateSelector: needs the uid, so only once the object has one.
    meta = obj.get("metadata") or {}
    uid, name = meta.get("uid"), meta.get("name")
    if not uid or spec.get("manualSelector") is True or spec.get("selector") is not None:
        return
    template = _dict(spec, "template")
    labels = _dict(_dict(template, "metadata"), "labels")
    for key, value in (
        ("batch.kubernetes.io/controller-uid", uid),
        ("batch.kubernetes.io/job-name", name),
        ("controller-uid", uid),
        ("job-name", name),
    ):
        labels.setdefault(key, value)
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}


def _job_failure_policy(spec: Obj) -> None:
    # batch/v1 SetDefaults_PodFailurePolicyOnPodConditionsPattern
    policy = spec.get("podFailurePolicy")
    if isinstance(policy, dict):
        for rule in _dicts(policy.get("rules")):
            for pattern in _dicts(rule.get("onPodConditions")):
                _default_zero(pattern, "status", "True")


def _cron_job(obj: Obj) -> None:
    spec = _spec(obj)  # batch/v1 SetDefaults_CronJob (the job template gets pod defaults only)
    _default_zero(spec, "concurrencyPolicy", "Allow")
    _default(spec, "suspend", False)
    _default(spec, "successfulJobsHistoryLimit", 3)
    _default(spec, "failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict) and isinstance(job_template.get("spec"), dict):
        _job_failure_policy(job_template["spec"])
        _pod_template(job_template["spec"])


# ------------------------------------------------- networking, autoscaling, rbac


def _network_policy(obj: Obj) -> None:
    spec = _spec(obj)  # networking/v1 SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    for direction in ("ingress", "egress"):
        for rule in _dicts(spec.get(direction)):
            for port in _dicts(rule.get("ports")):
                _default(port, "protocol", "TCP")


def _ingress(obj: Obj) -> None:
    _dict(_dict(obj, "status"), "loadBalancer")  # no defaults.go entry; a non-pointer struct


def _ingress_class(obj: Obj) -> None:
    parameters = _spec(obj).get("parameters")  # networking/v1 SetDefaults_IngressClass
    if isinstance(parameters, dict):
        _default(parameters, "scope", "Cluster")


def _scale_up_rules() -> Obj:
    return {
        "stabilizationWindowSeconds": 0,
        "selectPolicy": "Max",
        "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15},
        ],
    }


def _scale_down_rules() -> Obj:
    return {
        "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
    }


def _hpa(obj: Obj) -> None:
    spec = _spec(obj)  # autoscaling/v2 SetDefaults_HorizontalPodAutoscaler
    _default(spec, "minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 80},
                },
            }
        ]
    behavior = spec.get("behavior")
    if isinstance(behavior, dict):  # SetDefaults_HorizontalPodAutoscalerBehavior
        for key, defaults in (("scaleUp", _scale_up_rules()), ("scaleDown", _scale_down_rules())):
            given: Obj = behavior[key] if isinstance(behavior.get(key), dict) else {}
            behavior[key] = defaults | {k: v for k, v in given.items() if v is not None}


def _binding(obj: Obj) -> None:
    role_ref = _dict(
        obj, "roleRef"
    )  # rbac/v1 SetDefaults_(Cluster)RoleBinding, SetDefaults_Subject
    _default_zero(role_ref, "apiGroup", "rbac.authorization.k8s.io")
    for subject in _dicts(obj.get("subjects")):
        if _unset(subject.get("apiGroup")):
            if subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = "rbac.authorization.k8s.io"
            else:  # a ServiceAccount's "" is Subject.APIGroup's omitempty zero: never serialized
                subject.pop("apiGroup", None)


# --------------------------------------------------------------- quantities

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(r"^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$")


def canonical_quantity(text: str) -> str:
    """A resource quantity as the apiserver serializes it (rounded up to milli-units).

    Unparsable input comes back unchanged (the apiserver would refuse it).
    """
    match = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return text
    sign, number, suffix = match.group(1), match.group(2), match.group(3) or ""
    value = Fraction(number)
    if suffix in _BINARY:
        value *= _BINARY[suffix]
    elif suffix in _DECIMAL:
        value *= Fraction(10) ** _DECIMAL[suffix]
    else:
        value *= Fraction(10) ** int(suffix[1:])
    value = Fraction(math.ceil(value * 1000), 1000)  # SetDefaults_ResourceList: RoundUp(-3)
    if value == 0:
        return "0"
    prefix = "-" if sign == "-" else ""
    if suffix in _BINARY and value >= 1024 and value.denominator == 1:
        return prefix + _binary(int(value))
    exponent_form = bool(suffix) and suffix[0] in "eE"
    return prefix + _decimal(value, exponent_form=exponent_form)


def _binary(value: int) -> str:
    for suffix, size in reversed(_BINARY.items()):
        if value % size == 0:
            return f"{value // size}{suffix}"
    return str(value)


def _decimal(value: Fraction, *, exponent_form: bool) -> str:
    exponent = -3
    mantissa = int(value * 1000)
    while mantissa % 1000 == 0 and exponent < 18:
        mantissa //= 1000
        exponent += 3
    if exponent_form:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    suffix = next(k for k, v in _DECIMAL.items() if v == exponent)
    return f"{mantissa}{suffix}"


def _canonical_list(resources: Obj) -> None:
    for name, value in list(resources.items()):
        if isinstance(value, str):
            resources[name] = canonical_quantity(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            resources[name] = canonical_quantity(repr(value))


def _canonical_resources(requirements: Obj) -> None:
    for key in ("limits", "requests"):
        if isinstance(requirements.get(key), dict):
            _canonical_list(requirements[key])


# ------------------------------------------------------------------- table

_HANDLERS: dict[tuple[str, str], Callable[[Obj], None]] = {
    ("v1", "Pod"): _pod,
    ("v1", "PodTemplate"): _pod_template,
    ("v1", "Service"): _service,
    ("v1", "Secret"): _secret,
    ("v1", "Namespace"): _namespace,
    ("v1", "PersistentVolumeClaim"): _pvc,
    ("apps/v1", "Deployment"): _deployment,
    ("apps/v1", "StatefulSet"): _stateful_set,
    ("apps/v1", "DaemonSet"): _daemon_set,
    ("apps/v1", "ReplicaSet"): _replica_set,
    ("batch/v1", "Job"): _job,
    ("batch/v1", "CronJob"): _cron_job,
    ("networking.k8s.io/v1", "NetworkPolicy"): _network_policy,
    ("networking.k8s.io/v1", "Ingress"): _ingress,
    ("networking.k8s.io/v1", "IngressClass"): _ingress_class,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): _hpa,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): _binding,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): _binding,
}
