"""Metadata-only answers: ``Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1``.

client-go's metadata client (and informers built on it) ask for
``PartialObjectMetadata`` on get and watch and ``PartialObjectMetadataList`` on
list; the apiserver answers with the objects' metadata only. Asking for the
list form on a single object, or the reverse, is 406 NotAcceptable. Media types
are taken in the order the client gives them; protobuf ones are skipped (this
server answers JSON), a plain JSON one ends the search.
"""

from __future__ import annotations

from typing import Any

from vela_emulator.apistatus import ApiStatus
from vela_emulator.registry import ResourceType

Obj = dict[str, Any]
ITEM = "PartialObjectMetadata"
LIST = "PartialObjectMetadataList"
_VERSIONS = ("v1", "v1beta1")


def requested(accept: str) -> tuple[str, str] | None:
    """(kind, meta.k8s.io version) the client asks for, or None for the object itself."""
    for entry in accept.split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        if media.startswith("application/vnd.kubernetes.protobuf"):
            continue
        args = dict(p.split("=", 1) for p in params if "=" in p)
        kind, version = args.get("as"), args.get("v", "")
        if kind in (ITEM, LIST) and args.get("g") == "meta.k8s.io" and version in _VERSIONS:
            return kind, version
        if kind is None and media in ("application/json", "*/*", "application/*", ""):
            return None
    return None


def _go_type(rtype: ResourceType, *, is_list: bool) -> str:
    if rtype.crd:
        return "*unstructured.UnstructuredList" if is_list else "*unstructured.Unstructured"
    return f"*{rtype.version}.{rtype.kind}{'List' if is_list else ''}"


def _not_acceptable(message: str) -> ApiStatus:
    return ApiStatus(406, "NotAcceptable", message)


def item(obj: Obj, version: str) -> Obj:
    return {"kind": ITEM, "apiVersion": f"meta.k8s.io/{version}", "metadata": obj["metadata"]}


def check_watch(rtype: ResourceType, wanted: tuple[str, str]) -> None:
    """A watch sends one object per event: asking for the list form is refused up front."""
    if wanted[0] == LIST:
        raise _not_acceptable(_not_a_list(rtype))


def _not_a_list(rtype: ResourceType) -> str:
    return (
        f"you requested {LIST}, but the requested object is not a list "
        f"({_go_type(rtype, is_list=False)})"
    )


def transform(rtype: ResourceType, result: Obj, wanted: tuple[str, str], *, is_list: bool) -> Obj:
    """The answer of a get or list in the form asked for."""
    kind, version = wanted
    if kind == ITEM:
        if is_list:
            raise _not_acceptable(
                f"you requested {ITEM}, but the requested object is a list "
                f"({_go_type(rtype, is_list=True)})"
            )
        return item(result, version)
    if not is_list:
        raise _not_acceptable(_not_a_list(rtype))
    return {
        "kind": LIST,
        "apiVersion": f"meta.k8s.io/{version}",
        "metadata": result["metadata"],
        "items": [item(obj, version) for obj in result["items"]],
    }
