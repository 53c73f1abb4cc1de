"""The verbs of the Kubernetes REST API over the store: get, list, create, update, patch, apply.

Every verb runs under the store lock. Writes go through one path,
:meth:`Api.commit`, which stores the object (unless dry-run), logs the watch
event and lets the status simulation and CRD registration react. Deletion
lives in :mod:`vela_emulator.deletion`, watch in :mod:`.watching`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from vela_emulator import (
    authn,
    builtin_schemas,
    bytefields,
    calls,
    conversion,
    crds,
    decoding,
    listoptions,
    paging,
    rbac,
    rbac_access,
    semantics,
    validation,
)
from vela_emulator.apistatus import (
    STALE,
    ApiStatus,
    already_exists,
    bad_request,
    conflict,
    invalid,
    method_not_allowed,
    not_found,
    unsupported_media_type,
)
from vela_emulator.calls import Call, Obj, get_path, object_body, set_path, strip_times
from vela_emulator.lifecycle import Allocator, deletion_done, now, prepare_create, prepare_update
from vela_emulator.registry import Registry, ResourceType
from vela_emulator.selectors import (
    labels_match,
    parse_field_selector,
    parse_label_selector,
    selector_from_label_selector,
)
from vela_emulator.store import Store

PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)
Hook = Callable[[ResourceType, Obj], None]


class Api:
    """REST semantics over a :class:`Store` and a :class:`Registry`."""

    def __init__(
        self, store: Store, registry: Registry, users: authn.Authenticator | None = None
    ) -> None:
        self.store = store
        self.registry = registry
        self.allocator = Allocator()
        self.users = users or authn.Authenticator()  # who tokens are; TokenRequest adds to it
        self.after_write: list[Hook] = []  # called under the lock after each stored write
        # Removes an object whose last finalizer went away; deletion.Deleter installs its own.
        self.remove: Hook = self._remove

    def _remove(self, rtype: ResourceType, obj: Obj) -> None:
        self.store.remove(rtype.key, obj)

    # ----- reads -------------------------------------------------------------------------------

    def view(self, rtype: ResourceType, obj: Obj) -> Obj:
        """The stored object as seen through ``rtype``'s version."""
        if obj.get("apiVersion") == rtype.api_version:
            return obj
        if conversion.converts(rtype):
            return conversion.to_view(rtype, obj)
        return {**obj, "apiVersion": rtype.api_version}

    def _stored(self, call: Call, body: Any) -> tuple[Call, Any]:
        """The call and body as the storage version takes them (kinds served at two versions)."""
        if not conversion.converts(call.rtype):
            return call, body
        storage = self.registry.for_key(call.rtype.key)
        assert storage is not None
        return dataclasses.replace(call, rtype=storage), conversion.to_storage(
            call.rtype, storage, body
        )

    def live(self, call: Call) -> Obj:
        obj = self.store.get(call.rtype.key, call.namespace, call.name)
        if obj is None:
            raise not_found(call.rtype.resource, call.rtype.group, call.name)
        return obj

    def get(self, call: Call) -> Obj:
        with self.store.lock:
            obj = self.live(call)
        if call.subresource == "scale":
            return scale_view(call.rtype, obj)
        return self.view(call.rtype, obj)

    def matcher(self, call: Call) -> Callable[[Obj], bool]:
        """The label/field selector of a list or watch as a predicate."""
        requirements = parse_label_selector(call.query.get("labelSelector", ""))
        fields = parse_field_selector(call.query.get("fieldSelector", ""), call.rtype.kind)

        def match(obj: Obj) -> bool:
            labels = obj["metadata"].get("labels") or {}
            return labels_match(requirements, labels) and fields(obj)

        return match

    def list(self, call: Call) -> Obj:
        listoptions.check(call)
        listoptions.wait_until_fresh(self.store, call)
        match = self.matcher(call)
        limit = calls.int_param(call, "limit")
        start, list_rv = paging.decode_continue(call.query.get("continue", ""), self.store)
        with self.store.lock:
            namespace = call.namespace if call.rtype.namespaced and call.namespace else None
            items = [o for o in self.store.items(call.rtype.key, namespace) if match(o)]
            rv = list_rv or self.store.rv
        if start is not None:
            items = [o for o in items if paging.position(o) > start]
        meta: Obj = {"resourceVersion": str(rv)}
        if limit and len(items) > limit:
            meta["continue"] = paging.encode_continue(paging.position(items[limit - 1]), rv)
            meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        return {
            "kind": call.rtype.list_kind,
            "apiVersion": call.rtype.api_version,
            "metadata": meta,
            "items": [self._list_item(call.rtype, o) for o in items],
        }

    def _list_item(self, rtype: ResourceType, obj: Obj) -> Obj:
        if rtype.crd:
            return self.view(rtype, obj)
        return {k: v for k, v in self.view(rtype, obj).items() if k not in ("apiVersion", "kind")}

    # ----- writes ------------------------------------------------------------------------------

    def commit(self, call: Call, obj: Obj, old: Obj | None) -> Obj:
        """Store a prepared object (or not, on dry-run) and run the reactions."""
        rtype = call.rtype
        if old is not None and strip_times(obj) == strip_times(old):
            return old  # a no-op write changes nothing, not even resourceVersion
        if rtype.group == rbac.GROUP and (
            refused := rbac.escalation(self.store, call.user, rtype.kind, obj)
        ):
            raise refused
        if call.dry_run:
            if old is not None:
                obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            return obj
        self.store.put(rtype.key, obj, old)
        if rtype.kind == "CustomResourceDefinition" and rtype.group == crds.CRD_GROUP:
            obj = self._establish(obj)
        for hook in self.after_write:
            hook(rtype, obj)
        if deletion_done(obj):
            self.remove(rtype, obj)
        return obj

    def _establish(self, crd: Obj) -> Obj:
        self.registry.add_crd_types(crd["metadata"]["name"], crds.types_from_crd(crd))
        established = {
            **crd,
            "status": crds.established_status(crd),
            "metadata": dict(crd["metadata"]),
        }
        return self.store.put(
            (crds.CRD_GROUP, "customresourcedefinitions"),
            established,
            crd,
        )

    def _admit_new(self, call: Call, obj: Obj) -> Obj:
        """Namespace checks, server-set fields, defaults and validation of a new object."""
        rtype = call.rtype
        if rtype.namespaced:
            self._check_namespace(call, str((obj.get("metadata") or {}).get("name") or ""))
        obj = prepare_create(rtype, obj, namespace=call.namespace, allocator=self.allocator)
        if rtype.kind == "CertificateSigningRequest":
            authn.sign_as_requester(obj, call.user)
        self._default(rtype, obj)
        validation.validate(rtype, obj)
        existing = self.store.get(
            rtype.key, call.namespace if rtype.namespaced else "", obj["metadata"]["name"]
        )
        if existing is not None:
            exists = already_exists(rtype.resource, rtype.group, obj["metadata"]["name"])
            if existing["metadata"].get("deletionTimestamp"):
                exists.message = f"object is being deleted: {exists.message}"
            raise exists
        return obj

    def _default(self, rtype: ResourceType, obj: Obj) -> None:
        if rtype.crd:
            _replace(obj, crds.prune_and_default(obj, rtype.schema))
            return
        model = builtin_schemas.model_for(rtype)
        if model is not None:  # decoding into the Go type drops undeclared fields
            _replace(obj, builtin_schemas.prune(obj, model))
        if rtype.kind == "CustomResourceDefinition":
            crds.default_crd(obj)
            crds.validate_crd(obj)
        semantics.apply_defaults(obj)

    def _check_namespace(self, call: Call, name: str) -> None:
        namespace = call.namespace
        ns = self.store.get(("", "namespaces"), "", namespace)
        if ns is None:
            raise not_found("namespaces", "", namespace)
        if ns["metadata"].get("deletionTimestamp"):
            raise ApiStatus(
                403,
                "Forbidden",
                f'{call.rtype.resource}{"." + call.rtype.group if call.rtype.group else ""} "{name}" is forbidden: '
                f"unable to create new content in namespace {namespace} because it is being terminated",
                details={
                    "name": name,
                    "kind": call.rtype.resource,
                    "causes": [
                        {
                            "reason": "NamespaceTerminating",
                            "message": f"namespace {namespace} is being terminated",
                            "field": "metadata.namespace",
                        }
                    ],
                },
            )

    def _check_body_namespace(self, call: Call, body: Obj) -> None:
        body_ns = (body.get("metadata") or {}).get("namespace")
        if call.rtype.namespaced and body_ns and body_ns != call.namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )

    def _unknown_fields(self, rtype: ResourceType, obj: Any) -> Sequence[str]:
        """Fields the kind does not declare: its CRD schema, or the built-in Go type."""
        if rtype.crd:
            return crds.unknown_fields(obj, rtype.schema)
        model = builtin_schemas.model_for(rtype)
        return builtin_schemas.unknown_fields(obj, model) if model else []

    def _check_fields(self, call: Call, obj: Obj) -> None:
        """Unknown fields under ``fieldValidation`` (default Warn); they are dropped anyway."""
        bytefields.check_byte_fields(call.rtype, obj)  # decoding fails before anything else
        decoding.check(call.rtype, obj)
        if call.subresource:
            return
        unknown = self._unknown_fields(call.rtype, obj)
        mode = call.query.get("fieldValidation") or "Warn"
        if not unknown or mode == "Ignore":
            return
        fields = [f'unknown field "{path}"' for path in unknown]
        if mode == "Strict":
            kind = call.rtype.kind
            raise bad_request(
                f'{kind} in version "{call.rtype.version}" cannot be handled as a {kind}: '
                f"strict decoding error: {', '.join(fields)}"
            )
        call.warnings.extend(fields)

    def _check_applied_fields(self, call: Call, applied: Obj) -> None:
        """A field the schema does not declare fails an apply with a 500, as in the apiserver."""
        unknown = self._unknown_fields(call.rtype, applied)
        if not unknown:
            return
        rtype = call.rtype
        where = f"{call.namespace}/{call.name}; {rtype.api_version}, Kind={rtype.kind}"
        errors = [f".{path}: field not declared in schema" for path in unknown]
        text = errors[0] if len(errors) == 1 else "errors:\n  " + "\n  ".join(errors)
        raise ApiStatus(500, "", f"failed to create typed patch object ({where}): {text}")

    def create(self, call: Call) -> tuple[int, Obj]:
        if call.subresource == "token" or call.rtype.kind in authn.KINDS:
            return 201, self._authenticate(call)
        if call.subresource or call.name:
            raise method_not_allowed()
        body = object_body(call)
        validation.check_identity(call.rtype, body)
        if call.rtype.review:
            return 201, _answer_review(self.store, call, body)
        self._check_fields(call, body)
        self._check_body_namespace(call, body)
        stored_call, body = self._stored(call, body)
        with self.store.lock:
            obj = self._admit_new(stored_call, body)
            obj = semantics.record_update(
                stored_call.rtype, None, obj, manager=call.manager, now=now()
            )
            return 201, self.view(call.rtype, self.commit(stored_call, obj, None))

    def _authenticate(self, call: Call) -> Obj:
        """TokenRequest, TokenReview, SelfSubjectReview: answered, never stored."""
        body = object_body(call)
        if call.subresource != "token":
            validation.check_identity(call.rtype, body)
            return authn.review(self.users, call.rtype.kind, body, call.user)
        with self.store.lock:
            service_account = self.live(call)
        return authn.token_request(self.users, service_account, body)

    def update(self, call: Call) -> Obj:
        body = object_body(call)
        if call.subresource == "scale":
            return self._write_scale(call, lambda scale: body)
        validation.check_identity(call.rtype, body)
        self._check_fields(call, body)
        self._check_body_namespace(call, body)
        name = (body.get("metadata") or {}).get("name")
        if name != call.name:
            raise bad_request(
                f"the name of the object ({name}) does not match the name on the URL ({call.name})"
            )
        stored_call, body = self._stored(call, body)
        with self.store.lock:
            old = self.live(call)
            return self.view(call.rtype, self._replace(stored_call, old, body))

    def _replace(
        self, call: Call, old: Obj, new: Obj, *, record: bool = True, fresh: bool = False
    ) -> Obj:
        """Shared tail of update and patch: preconditions, server fields, validation, commit.

        ``new`` is copied first (it may share parts with the stored object) unless ``fresh``.
        """
        rtype = call.rtype
        wanted_rv = (new.get("metadata") or {}).get("resourceVersion")
        if wanted_rv and wanted_rv != old["metadata"]["resourceVersion"]:
            raise conflict(rtype.resource, rtype.group, call.name, STALE)
        if not fresh:
            new = copy.deepcopy(new)
        new["apiVersion"], new["kind"] = rtype.api_version, rtype.kind
        if call.subresource != "status":
            self._default(rtype, new)
        obj = prepare_update(
            rtype, old, new, allocator=self.allocator, subresource=call.subresource
        )
        validation.validate(rtype, obj, old=old)
        validation.validate_update(rtype, old, obj)
        if record:
            obj = semantics.record_update(
                rtype, old, obj, manager=call.manager, now=now(), subresource=call.subresource
            )
        return self.commit(call, obj, old)

    def patch(self, call: Call) -> tuple[int, Obj]:
        kind = call.content_type.split(";")[0].strip()
        if kind == "application/apply-patch+yaml":
            return self.apply(call)
        if call.query.get("force"):
            raise _patch_option_invalid(
                "force",
                "FieldValueForbidden",
                "Forbidden: may not be specified for non-apply patch",
            )
        if kind not in PATCH_TYPES or (
            kind == "application/strategic-merge-patch+json" and call.rtype.crd
        ):
            accepted = tuple(t for t in PATCH_TYPES if not (call.rtype.crd and "strategic" in t))
            raise unsupported_media_type(kind, accepted)
        document = call.json_body()
        if call.subresource == "scale":
            return 200, self._write_scale(
                call, lambda scale: _patched(call.rtype, kind, scale, document)
            )
        with self.store.lock:
            old = self.live(call)
            new = _patched(call.rtype, kind, self.view(call.rtype, old), document)
            self._check_fields(call, new)
            stored_call, new = self._stored(call, new)
            return 200, self.view(call.rtype, self._replace(stored_call, old, new))

    def apply(self, call: Call) -> tuple[int, Obj]:
        """Server-side apply: create when missing, else merge with field ownership."""
        applied = call.yaml_body()
        rtype = call.rtype
        self._check_apply_request(call, applied)
        force = call.query.get("force") in ("true", "1")
        view = rtype
        call, applied = self._stored(call, applied)  # fields are owned in the storage version
        with self.store.lock:
            live = self.store.get(rtype.key, call.namespace if rtype.namespaced else "", call.name)
            merged = self._ssa(call, live, applied, force)
            if live is None:
                _authorize_create(self.store, call)
                obj = self._admit_new(call, merged)
                return 201, self.view(view, self.commit(call, obj, None))
            wanted_rv = (applied.get("metadata") or {}).get("resourceVersion")
            merged["metadata"]["resourceVersion"] = wanted_rv
            return 200, self.view(view, self._replace(call, live, merged, record=False, fresh=True))

    def _check_apply_request(self, call: Call, applied: Any) -> None:
        validation.check_identity(call.rtype, applied)
        bytefields.check_byte_fields(call.rtype, applied)
        if not applied.get("apiVersion") or not applied.get("kind"):
            raise bad_request("invalid object type: /, Kind=")
        self._check_applied_fields(call, applied)
        decoding.check_applied(call.rtype, applied, namespace=call.namespace, name=call.name)
        if not call.query.get("fieldManager"):
            raise _patch_option_invalid(
                "fieldManager", "FieldValueRequired", "Required value: is required for apply patch"
            )
        self._check_body_namespace(call, applied)
        name = (applied.get("metadata") or {}).get("name")
        if name != call.name:
            raise bad_request(
                f"the name of the object ({name}) does not match the name on the URL ({call.name})"
            )

    def _ssa(self, call: Call, live: Obj | None, applied: Obj, force: bool) -> Obj:
        return semantics.apply(
            call.rtype,
            live,
            applied,
            manager=call.manager,
            force=force,
            now=now(),
            subresource=call.subresource,
        )

    def _write_scale(self, call: Call, change: Callable[[Obj], Obj]) -> Obj:
        rtype = call.rtype
        if rtype.scale is None:
            raise not_found(rtype.resource, rtype.group, call.name)
        with self.store.lock:
            old = self.live(call)
            scale = change(scale_view(rtype, old))
            wanted_rv = (scale.get("metadata") or {}).get("resourceVersion")
            if wanted_rv and wanted_rv != old["metadata"]["resourceVersion"]:
                raise conflict(rtype.resource, rtype.group, call.name, STALE)
            replicas = (scale.get("spec") or {}).get("replicas")
            if not isinstance(replicas, int) or replicas < 0:
                raise invalid(
                    "Scale",
                    "autoscaling",
                    call.name,
                    [
                        (
                            "spec.replicas",
                            "FieldValueInvalid",
                            f"Invalid value: {replicas}: must be greater than or equal to 0",
                        )
                    ],
                )
            new = copy.deepcopy(old)
            set_path(new, rtype.scale.spec_replicas, replicas)
            new["metadata"].pop("resourceVersion", None)
            result = self._replace(call, old, new)
            return scale_view(rtype, result)


def _authorize_create(store: Store, call: Call) -> None:
    """An apply that creates must also be allowed to ``create`` (the apiserver's
    create-on-update check); its 403 carries only the authorizer's reason."""
    rtype = call.rtype
    attrs = rbac.Attributes(
        call.user,
        "create",
        group=rtype.group,
        resource=rtype.resource,
        namespace=call.namespace,
        name=call.name,
    )
    decision = rbac.authorize(store, attrs)
    if not decision.allowed:
        raise rbac.forbidden_status(rtype.resource, rtype.group, call.name, decision.reason)


def _answer_review(store: Store, call: Call, review: Obj) -> Obj:
    """An access review, answered by the RBAC authorizer for the user it asks about."""
    rtype = call.rtype
    status = rbac_access.review(store, rtype.kind, call.user, review, call.namespace)
    meta = {k: v for k, v in (review.get("metadata") or {}).items() if k != "managedFields"}
    return {
        **review,
        "apiVersion": rtype.api_version,
        "kind": rtype.kind,
        "metadata": meta,
        "status": status,
    }


def _patch_option_invalid(field: str, reason: str, message: str) -> ApiStatus:
    return invalid("PatchOptions", "meta.k8s.io", "", [(field, reason, message)])


def _patched(rtype: ResourceType, kind: str, obj: Obj, document: Any) -> Obj:
    """The patched object; failures worded as the apiserver's patcher words them."""
    if kind == "application/json-patch+json":
        if not isinstance(document, list):
            raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        try:
            return semantics.json_patch(obj, document)
        except semantics.PatchError as exc:
            # NewGenericServerResponse(422): a fixed message, the library's words as a cause
            raise ApiStatus(
                422,
                "Invalid",
                "the server rejected our request due to an error in our request",
                details={"causes": [{"reason": "UnexpectedServerResponse", "message": str(exc)}]},
            ) from exc
    if not isinstance(document, dict):
        raise bad_request("the body of the request was in an unknown format")
    try:
        if kind == "application/merge-patch+json":
            return semantics.merge_patch(obj, document)
        return semantics.strategic_merge_patch(rtype, obj, document)
    except semantics.PatchError as exc:
        raise bad_request(str(exc)) from exc


def scale_view(rtype: ResourceType, obj: Obj) -> Obj:
    """The ``autoscaling/v1`` Scale of an object with a scale subresource."""
    paths = rtype.scale
    if paths is None:
        raise not_found(rtype.resource, rtype.group, obj["metadata"]["name"])
    meta = obj["metadata"]
    selector: Any = get_path(obj, paths.label_selector) if paths.label_selector else None
    if not rtype.crd:
        selector = selector_from_label_selector((obj.get("spec") or {}).get("selector") or {})
    status: Obj = {"replicas": get_path(obj, paths.status_replicas) or 0}
    if selector:
        status["selector"] = selector
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": get_path(obj, paths.spec_replicas) or 0},
        "status": status,
    }


def _replace(obj: Obj, pruned: Obj) -> None:
    """Make ``obj`` the pruned object in place; a pruner returns ``obj`` itself when
    its schema keeps every field (a root ``x-kubernetes-preserve-unknown-fields``)."""
    if pruned is not obj:
        obj.clear()
        obj.update(pruned)
