"""Server-side printing of built-in kinds: the columns of ``pkg/printers/internalversion``.

Each kind's columns come after Name, in the order, types and priority
(1: only with ``-o wide``) the apiserver uses; cells hold what it prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vela_emulator import conversion
from vela_emulator.calls import Obj


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # the column definition's type; "date" cells are printed as ages
    cell: Callable[[Obj], Any]
    priority: int = 0


def human_duration(seconds: float) -> str:
    """Like ``k8s.io/apimachinery/pkg/util/duration.HumanDuration``."""
    s = int(max(seconds, 0))
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def _seconds_since(stamp: Any) -> float | None:
    if not isinstance(stamp, str) or not stamp:
        return None
    try:
        when = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return (datetime.now(UTC) - when).total_seconds()


def since(stamp: Any) -> str:
    """translateTimestampSince: an age, ``<unknown>`` without a timestamp."""
    seconds = _seconds_since(stamp)
    return "<unknown>" if seconds is None else human_duration(seconds)


def age(obj: Obj) -> str:
    return since(obj["metadata"].get("creationTimestamp"))


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def _status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def _template_containers(obj: Obj) -> list[Obj]:
    template = _spec(obj).get("template") or {}
    if _spec(obj).get("jobTemplate"):  # CronJob
        template = (_spec(_spec(obj)["jobTemplate"]).get("template")) or {}
    return [c for c in (template.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]


def _names(obj: Obj) -> str:
    return ",".join(str(c.get("name", "")) for c in _template_containers(obj))


def _images(obj: Obj) -> str:
    return ",".join(str(c.get("image", "")) for c in _template_containers(obj))


def _selector(obj: Obj) -> str:
    selector = _spec(obj).get("selector") or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, key = expr.get("operator", ""), expr.get("key", "")
        values = ",".join(sorted(expr.get("values") or []))
        if op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
        else:
            parts.append(f"{key} {op.lower()} ({values})")
    return ",".join(parts) or "<none>"


def _plain_selector(obj: Obj) -> str:
    selector = _spec(obj).get("selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"


_WORKLOAD_WIDE = [
    Column("Containers", "string", _names, 1),
    Column("Images", "string", _images, 1),
    Column("Selector", "string", _selector, 1),
]


# ----- Pod -----------------------------------------------------------------------------------


def _pod_ready(pod: Obj) -> str:
    statuses = _status(pod).get("containerStatuses") or []
    ready = sum(1 for s in statuses if s.get("ready"))
    return f"{ready}/{len(_spec(pod).get('containers') or [])}"


def pod_status(pod: Obj) -> str:
    """printPod's STATUS: the phase, or what holds the containers."""
    status = _status(pod)
    reason = status.get("reason") or status.get("phase") or "Unknown"
    running = False
    for cs in reversed(status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated"):
            term = state["terminated"]
            reason = term.get("reason") or f"ExitCode:{term.get('exitCode', 0)}"
        elif state.get("running") and cs.get("ready"):
            running = True
    if reason == "Completed" and running:
        reason = "Running"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return str(reason)


def _restarts(pod: Obj) -> str:
    statuses = _status(pod).get("containerStatuses") or []
    count = sum(int(s.get("restartCount") or 0) for s in statuses)
    finished = [
        ((s.get("lastState") or {}).get("terminated") or {}).get("finishedAt") for s in statuses
    ]
    last = max((f for f in finished if f), default=None)
    return f"{count} ({since(last)} ago)" if count and last else str(count)


_POD = [
    Column("Ready", "string", _pod_ready),
    Column("Status", "string", pod_status),
    Column("Restarts", "string", _restarts),
    Column("Age", "string", age),
    Column("IP", "string", lambda o: _status(o).get("podIP") or "<none>", 1),
    Column("Node", "string", lambda o: _spec(o).get("nodeName") or "<none>", 1),
    Column(
        "Nominated Node", "string", lambda o: _status(o).get("nominatedNodeName") or "<none>", 1
    ),
    Column("Readiness Gates", "string", lambda o: "<none>", 1),
]


# ----- Events --------------------------------------------------------------------------------


def _event_last_seen(event: Obj) -> str:
    stamp = (
        event.get("lastTimestamp")
        or event.get("eventTime")
        or event["metadata"].get("creationTimestamp")
    )
    return since(stamp)


def _event_object(event: Obj) -> str:
    involved = event.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


def _event_source(event: Obj) -> str:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    return f"{component}, {source['host']}" if source.get("host") else str(component)


def _as_core_event(cell: Callable[[Obj], Any]) -> Callable[[Obj], Any]:
    return lambda o: cell(o if "involvedObject" in o else conversion.to_core_event(o))


_EVENT = [  # no leading Name column: events print their name last, wide only
    Column("Last Seen", "string", _event_last_seen),
    Column("Type", "string", lambda o: o.get("type", "")),
    Column("Reason", "string", lambda o: o.get("reason", "")),
    Column("Object", "string", _event_object),
    Column(
        "Subobject", "string", lambda o: (o.get("involvedObject") or {}).get("fieldPath", ""), 1
    ),
    Column("Source", "string", _event_source, 1),
    Column("Message", "string", lambda o: str(o.get("message", "")).strip()),
    Column("First Seen", "string", lambda o: since(o.get("firstTimestamp")), 1),
    Column("Count", "string", lambda o: str(o.get("count", 1)), 1),
    Column("Name", "string", lambda o: o["metadata"]["name"], 1),
]


# ----- workloads -----------------------------------------------------------------------------


def _ready(obj: Obj) -> str:
    return f"{_status(obj).get('readyReplicas', 0)}/{_spec(obj).get('replicas', 1)}"


def _job_status(job: Obj) -> str:
    conditions = {
        c.get("type"): c for c in _status(job).get("conditions") or [] if c.get("status") == "True"
    }
    for ctype, shown in (
        ("Failed", "Failed"),
        ("Complete", "Complete"),
        ("Suspended", "Suspended"),
        ("FailureTarget", "FailureTarget"),
        ("SuccessCriteriaMet", "SuccessCriteriaMet"),
    ):
        if ctype in conditions:
            return shown
    return "Running"


def _job_duration(job: Obj) -> str:
    status = _status(job)
    start, end = (
        _seconds_since(status.get("startTime")),
        _seconds_since(status.get("completionTime")),
    )
    if start is None:
        return ""
    return human_duration(start - (end or 0.0))


def _completions(job: Obj) -> str:
    spec = _spec(job)
    succeeded = _status(job).get("succeeded", 0)
    if spec.get("completions") is not None:
        return f"{succeeded}/{spec['completions']}"
    parallelism = spec.get("parallelism", 1)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _hpa_targets(hpa: Obj) -> str:
    percent = _spec(hpa).get("targetCPUUtilizationPercentage")  # autoscaling/v1
    if percent is not None:
        return f"cpu: <unknown>/{percent}%"
    parts = []
    for metric in _spec(hpa).get("metrics") or []:
        if metric.get("type") != "Resource":
            parts.append("<unknown>")
            continue
        resource = metric.get("resource") or {}
        target = resource.get("target") or {}
        if "averageUtilization" in target:
            wanted = f"{target['averageUtilization']}%"
        else:
            wanted = str(target.get("averageValue") or target.get("value") or "<unknown>")
        parts.append(f"{resource.get('name', '')}: <unknown>/{wanted}")
    return ", ".join(parts) or "<none>"


def _ingress_hosts(ing: Obj) -> str:
    hosts = [r.get("host") for r in _spec(ing).get("rules") or [] if r.get("host")]
    return ",".join(hosts) or "*"


def _ingress_address(ing: Obj) -> str:
    lbs = (_status(ing).get("loadBalancer") or {}).get("ingress") or []
    return ",".join(str(i.get("ip") or i.get("hostname") or "") for i in lbs)


def _ports(obj: Obj) -> str:
    parts = []
    for p in _spec(obj).get("ports") or []:
        node = f":{p['nodePort']}" if p.get("nodePort") else ""
        parts.append(f"{p.get('port')}{node}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _external_ip(obj: Obj) -> str:
    ingress = (_status(obj).get("loadBalancer") or {}).get("ingress") or []
    ips = [i.get("ip") or i.get("hostname") for i in ingress]
    if ips:
        return ",".join(str(i) for i in ips)
    return "<pending>" if _spec(obj).get("type") == "LoadBalancer" else "<none>"


def _count(field: str) -> Callable[[Obj], Any]:
    return lambda o: _status(o).get(field, 0)


def _node_status(node: Obj) -> str:
    ready = [c for c in _status(node).get("conditions") or [] if c.get("type") == "Ready"]
    shown = "Ready" if ready and ready[0].get("status") == "True" else "NotReady"
    return f"{shown},SchedulingDisabled" if _spec(node).get("unschedulable") else shown


def _node_roles(node: Obj) -> str:
    prefix = "node-role.kubernetes.io/"
    labels = node["metadata"].get("labels") or {}
    roles = sorted(k[len(prefix) :] for k in labels if k.startswith(prefix) and k[len(prefix) :])
    return ",".join(roles) or "<none>"


def _node_address(kind: str) -> Callable[[Obj], str]:
    def cell(node: Obj) -> str:
        found = [
            a.get("address") for a in _status(node).get("addresses") or [] if a.get("type") == kind
        ]
        return str(found[0]) if found else "<none>"

    return cell


def _node_info(field: str) -> Callable[[Obj], str]:
    return lambda o: str((_status(o).get("nodeInfo") or {}).get(field) or "<unknown>")


def _api_service_available(service: Obj) -> str:
    for cond in _status(service).get("conditions") or []:
        if cond.get("type") == "Available":
            if cond.get("status") == "True":
                return "True"
            return f"{cond.get('status')} ({cond.get('reason', '')})"
    return "Unknown"


def _api_service_backend(service: Obj) -> str:
    ref = _spec(service).get("service")
    return f"{ref.get('namespace', '')}/{ref.get('name', '')}" if ref else "Local"


def _csr_condition(csr: Obj) -> str:
    """extractCSRStatus: Denied over Approved over Pending, then Failed and Issued."""
    types = {c.get("type") for c in _status(csr).get("conditions") or []}
    status = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        status += ",Failed"
    if _status(csr).get("certificate"):
        status += ",Issued"
    return status


def _csr_duration(csr: Obj) -> str:
    seconds = _spec(csr).get("expirationSeconds")
    return human_duration(seconds) if isinstance(seconds, int) else "<none>"


KIND_COLUMNS: dict[tuple[str, str], list[Column]] = {
    ("certificates.k8s.io", "CertificateSigningRequest"): [
        Column("Age", "date", age),
        Column("SignerName", "string", lambda o: _spec(o).get("signerName", "")),
        Column("Requestor", "string", lambda o: _spec(o).get("username", "")),
        Column("RequestedDuration", "string", _csr_duration),
        Column("Condition", "string", _csr_condition),
    ],
    ("storage.k8s.io", "CSIStorageCapacity"): [
        Column("StorageClassName", "string", lambda o: o.get("storageClassName", "")),
        Column("Capacity", "string", lambda o: o.get("capacity", "<unset>")),
    ],
    ("", "Node"): [
        Column("Status", "string", _node_status),
        Column("Roles", "string", _node_roles),
        Column("Age", "string", age),
        Column("Version", "string", _node_info("kubeletVersion")),
        Column("Internal-IP", "string", _node_address("InternalIP"), 1),
        Column("External-IP", "string", _node_address("ExternalIP"), 1),
        Column("OS-Image", "string", _node_info("osImage"), 1),
        Column("Kernel-Version", "string", _node_info("kernelVersion"), 1),
        Column("Container-Runtime", "string", _node_info("containerRuntimeVersion"), 1),
    ],
    ("", "ServiceAccount"): [
        Column("Secrets", "string", lambda o: str(len(o.get("secrets") or []))),
        Column("Age", "string", age),
    ],
    ("", "ReplicationController"): [
        Column("Desired", "integer", lambda o: _spec(o).get("replicas", 1)),
        Column("Current", "integer", _count("replicas")),
        Column("Ready", "integer", _count("readyReplicas")),
        Column("Age", "string", age),
        Column("Containers", "string", _names, 1),
        Column("Images", "string", _images, 1),
        Column("Selector", "string", _plain_selector, 1),
    ],
    ("apiregistration.k8s.io", "APIService"): [
        Column("Service", "string", _api_service_backend),
        Column("Available", "string", _api_service_available),
        Column("Age", "string", age),
    ],
    ("", "Namespace"): [
        Column("Status", "string", lambda o: _status(o).get("phase", "")),
        Column("Age", "string", age),
    ],
    ("", "ConfigMap"): [
        Column(
            "Data", "integer", lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})
        ),
        Column("Age", "string", age),
    ],
    ("", "Secret"): [
        Column("Type", "string", lambda o: o.get("type", "")),
        Column("Data", "integer", lambda o: len(o.get("data") or {})),
        Column("Age", "string", age),
    ],
    ("", "Service"): [
        Column("Type", "string", lambda o: _spec(o).get("type", "ClusterIP")),
        Column("Cluster-IP", "string", lambda o: _spec(o).get("clusterIP", "<none>")),
        Column("External-IP", "string", _external_ip),
        Column("Port(s)", "string", _ports),
        Column("Age", "string", age),
        Column("Selector", "string", _plain_selector, 1),
    ],
    ("", "Pod"): _POD,
    ("", "Event"): _EVENT,
    ("events.k8s.io", "Event"): [  # the same printer, over the core fields
        Column(c.name, c.type, _as_core_event(c.cell), c.priority) for c in _EVENT
    ],
    ("apps", "Deployment"): [
        Column("Ready", "string", _ready),
        Column("Up-to-date", "integer", _count("updatedReplicas")),
        Column("Available", "integer", _count("availableReplicas")),
        Column("Age", "string", age),
        *_WORKLOAD_WIDE,
    ],
    ("apps", "StatefulSet"): [
        Column("Ready", "string", _ready),
        Column("Age", "string", age),
        *_WORKLOAD_WIDE[:2],
    ],
    ("apps", "ReplicaSet"): [
        Column("Desired", "integer", lambda o: _spec(o).get("replicas", 1)),
        Column("Current", "integer", _count("replicas")),
        Column("Ready", "integer", _count("readyReplicas")),
        Column("Age", "string", age),
        *_WORKLOAD_WIDE,
    ],
    ("apps", "DaemonSet"): [
        Column("Desired", "integer", _count("desiredNumberScheduled")),
        Column("Current", "integer", _count("currentNumberScheduled")),
        Column("Ready", "integer", _count("numberReady")),
        Column("Up-to-date", "integer", _count("updatedNumberScheduled")),
        Column("Available", "integer", _count("numberAvailable")),
        Column(
            "Node Selector",
            "string",
            lambda o: (
                ",".join(
                    f"{k}={v}"
                    for k, v in sorted(
                        (
                            ((_spec(o).get("template") or {}).get("spec") or {}).get("nodeSelector")
                            or {}
                        ).items()
                    )
                )
                or "<none>"
            ),
        ),
        Column("Age", "string", age),
        *_WORKLOAD_WIDE,
    ],
    ("batch", "Job"): [
        Column("Status", "string", _job_status),
        Column("Completions", "string", _completions),
        Column("Duration", "string", _job_duration),
        Column("Age", "string", age),
        *_WORKLOAD_WIDE,
    ],
    ("batch", "CronJob"): [
        Column("Schedule", "string", lambda o: _spec(o).get("schedule", "")),
        Column("Timezone", "string", lambda o: _spec(o).get("timeZone") or "<none>"),
        Column("Suspend", "boolean", lambda o: str(bool(_spec(o).get("suspend", False)))),
        Column("Active", "integer", lambda o: len(_status(o).get("active") or [])),
        Column(
            "Last Schedule",
            "string",
            lambda o: (
                since(_status(o)["lastScheduleTime"])
                if _status(o).get("lastScheduleTime")
                else "<none>"
            ),
        ),
        Column("Age", "string", age),
        *_WORKLOAD_WIDE,
    ],
    ("autoscaling", "HorizontalPodAutoscaler"): [
        Column(
            "Reference",
            "string",
            lambda o: (
                f"{(_spec(o).get('scaleTargetRef') or {}).get('kind', '')}/{(_spec(o).get('scaleTargetRef') or {}).get('name', '')}"
            ),
        ),
        Column("Targets", "string", _hpa_targets),
        Column("MinPods", "string", lambda o: str(_spec(o).get("minReplicas", "<unset>"))),
        Column("MaxPods", "integer", lambda o: _spec(o).get("maxReplicas", 0)),
        Column("Replicas", "integer", _count("currentReplicas")),
        Column("Age", "string", age),
    ],
    ("networking.k8s.io", "Ingress"): [
        Column("Class", "string", lambda o: _spec(o).get("ingressClassName") or "<none>"),
        Column("Hosts", "string", _ingress_hosts),
        Column("Address", "string", _ingress_address),
        Column("Ports", "string", lambda o: "80, 443" if _spec(o).get("tls") else "80"),
        Column("Age", "string", age),
    ],
    ("apiextensions.k8s.io", "CustomResourceDefinition"): [
        Column("Created At", "date", lambda o: o["metadata"].get("creationTimestamp", "")),
    ],
}
