"""One parsed API request, and the helpers every verb shares."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from vela_emulator.apistatus import ApiStatus, bad_request
from vela_emulator.registry import ResourceType
from vela_emulator.user import ADMIN, UserInfo

Obj = dict[str, Any]
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Call:
    """What a request asks of a resource: verb, type, namespace, name, subresource."""

    verb: str  # get list watch create update patch delete deletecollection
    rtype: ResourceType
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = "application/json"
    user_agent: str = ""
    warnings: list[str] = field(default_factory=list)  # sent back as ``Warning: 299`` headers
    user: UserInfo = ADMIN  # who the request acts as (after impersonation)

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def manager(self) -> str:
        """``fieldManager``, or the User-Agent's first segment as the apiserver derives it."""
        explicit = self.query.get("fieldManager", "")
        return explicit or self.user_agent.split("/", 1)[0][:128]

    def json_body(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc

    def yaml_body(self) -> Any:
        """YAML or JSON (what clients actually send as apply-patch+yaml); JSON is tried first, it is fast."""
        try:
            return json.loads(self.body)
        except ValueError:
            pass
        try:
            return yaml.load(self.body.decode(), Loader=_YAML_LOADER)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise bad_request(f"error decoding YAML: {exc}") from exc


def int_param(call: Call, name: str) -> int:
    """A non-negative integer query parameter (0 when absent); 400 otherwise."""
    raw = call.query.get(name) or "0"
    if not raw.isdigit():
        raise bad_request(f'{name}: Invalid value: "{raw}": must be a non-negative integer')
    return int(raw)


def object_body(call: Call) -> Obj:
    body = call.json_body()
    if not isinstance(body, dict):
        raise ApiStatus(
            400, "BadRequest", "the object provided is unrecognized (must be of type object)"
        )
    return body


def get_path(obj: Any, path: str) -> Any:
    """A value at a dotted JSON path like ``.spec.replicas``."""
    for part in path.strip(".").split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def set_path(obj: Obj, path: str, value: Any) -> None:
    parts = path.strip(".").split(".")
    for part in parts[:-1]:
        obj = obj.setdefault(part, {})
    obj[parts[-1]] = value


def strip_times(obj: Obj) -> Obj:
    """The object without resourceVersion and managedFields timestamps (no-op detection)."""
    meta = dict(obj.get("metadata") or {})
    meta.pop("resourceVersion", None)
    meta["managedFields"] = [
        {k: v for k, v in entry.items() if k != "time"} for entry in meta.get("managedFields") or []
    ]
    return {**obj, "metadata": meta}
