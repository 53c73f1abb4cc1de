"""managedFields entries: who manages which fields of an object.

``decode_managed_fields`` reads ``metadata.managedFields`` into ``Entry``
values keyed by ``ManagerId``; ``encode_managed_fields`` writes them back.

Managers are keyed like the apiserver's manager identifier: (manager,
operation, subresource) plus the apiVersion for ``Update`` entries. Entries
whose field set becomes empty are dropped; entries are ordered as the
apiserver orders them (operation, time, manager, apiVersion, subresource).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from vela_emulator.fieldsets import FieldSet, from_fields_v1, to_fields_v1
from vela_emulator.mergeschema import JSON

__all__ = ["Entry", "ManagerId", "decode_managed_fields", "encode_managed_fields"]


@dataclass(frozen=True)
class ManagerId:
    """The apiserver's manager identifier (apiVersion only counts for Update entries)."""

    manager: str
    operation: str
    subresource: str = ""
    api_version: str = ""

    def __str__(self) -> str:
        # apiserver's printManager, given an identifier (which never carries a time).
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == "Update":
            text += f" using {self.api_version}"
        return text


@dataclass
class Entry:
    """One managedFields entry, decoded."""

    ident: ManagerId
    api_version: str
    time: str
    fields: FieldSet

    def encode(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {
            "manager": self.ident.manager,
            "operation": self.ident.operation,
            "apiVersion": self.api_version,
        }
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = to_fields_v1(self.fields)
        if self.ident.subresource:
            out["subresource"] = self.ident.subresource
        return out


def decode_managed_fields(entries: JSON) -> dict[ManagerId, Entry]:
    """Decode ``metadata.managedFields``; entries that do not decode are dropped."""
    out: dict[ManagerId, Entry] = {}
    for raw in entries if isinstance(entries, list) else []:
        if not isinstance(raw, dict) or not isinstance(raw.get("fieldsV1", {}), dict):
            continue
        operation = str(raw.get("operation", ""))
        api_version = str(raw.get("apiVersion", ""))
        ident = ManagerId(
            manager=str(raw.get("manager", "")),
            operation=operation,
            subresource=str(raw.get("subresource", "")),
            api_version=api_version if operation != "Apply" else "",
        )
        fields = from_fields_v1(raw.get("fieldsV1") or {})
        if ident in out:
            out[ident].fields |= fields
        else:
            out[ident] = Entry(ident, api_version, str(raw.get("time", "") or ""), fields)
    return out


def encode_managed_fields(managers: Mapping[ManagerId, Entry]) -> list[dict[str, JSON]]:
    """Encode in the apiserver's order, dropping entries that own nothing."""
    kept = [e for e in managers.values() if e.fields]
    kept.sort(
        key=lambda e: (
            e.ident.operation,
            e.time,
            e.ident.manager,
            e.api_version,
            e.ident.subresource,
        )
    )
    return [e.encode() for e in kept]
