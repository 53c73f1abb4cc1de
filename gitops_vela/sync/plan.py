"""The planner: for each desired object, what applying it would do and why.

The one place that decides. ``apply`` executes the entries that write,
``diff`` shows them, a dry run reports them; all three plan the same way.
An entry (like Flux's ``ChangeSetEntry``) carries the action, a reason a
person can read, the drifted fields and, when asked, the masked diff.

Deciding one object, cheapest first:

1. the live object carries our digest and every field we apply has our
   value: unchanged, no request;
2. it changed in Git: it is configured (``apply`` sends it straight away,
   one write; a dry run or a diff asks the server for the merged form);
3. it drifted live: a server-side dry run decides (server defaults and
   normalised values are not drift) and it is corrected; unless the
   repository only detects drift (``drift: detect``), ignores it
   (``drift: ignore``), or the object is ``held`` (a fight with another
   controller backs off): then the entry names the drifted fields and is held
   (reported as out of sync), and nothing is sent, not even the dry run.

Before any of that, ownership (``ownership``): an object carrying another
app's ownership label is never applied over (the app that wants it fails,
saying who owns it and how to hand it over); one without any may be adopted.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from gitops_vela.cluster import Cluster, Outcome
from gitops_vela.errors import GitopsVelaError, UnknownKindError
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import (
    DIGEST_ANNOTATION,
    HAND_OVER_ANNOTATION,
    MANAGED_BY,
    MANAGED_BY_VALUE,
    OWNER,
)
from gitops_vela.model.masking import redact, secret_values
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.model.owned import OwnedView, same_owned
from gitops_vela.sync.desired import Desired, applied_digest
from gitops_vela.sync.difftext import render_diff
from gitops_vela.sync.fields import comparable, differences, is_subset, same_object

MAX_NAMED_FIELDS = 5
"""A reason names this many drifted fields, then "and N more"."""

DRIFTED = "drifted in the cluster"
"""The end of a reason for an object edited live (not changed in Git)."""


class Mode(enum.Enum):
    APPLY = "apply"  # the server is asked only about drift; a Git change is one write
    DRY_RUN = "dry-run"  # the server is asked about every change; nothing is written
    DIFF = "diff"  # as a dry run, and each change carries its masked diff


@dataclass(frozen=True, slots=True)
class Context:
    """What the planner knows about the run beyond one object."""

    mode: Mode
    namespaces: Mapping[str, Manifest]  # every namespace, by name
    adoption: bool = True  # an existing object without an owner label may be taken over
    # Owners (apps of this run that rendered) letting go of what they no longer
    # render, so another app of the run may take it (an object moved in one commit).
    releasing: Collection[str] = ()
    defined: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """(group, kind) -> the CRD of this run that defines it."""
    drift: str = "correct"  # correct | detect | ignore: what a live edit of ours gets
    held: Mapping[ObjectRef, str] = field(default_factory=dict)
    """Objects whose drift is not corrected this run, each with why (backing off a fight)."""
    created_namespaces: Collection[str] = ()  # created by this run: empty, not looked in


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """What applying one desired object would do, and why."""

    item: Desired
    action: Action  # CREATED, CONFIGURED, UNCHANGED; FAILED: refused or could not be planned
    reason: str = ""
    drifted: tuple[str, ...] = ()  # fields whose live value is not ours
    live: Manifest | None = None
    diff: str = ""  # Mode.DIFF only; Secret values masked
    internal: bool = False  # failed on an unexpected exception (a bug)
    held: bool = False  # drift found and deliberately not corrected (see the module docstring)

    @property
    def writes(self) -> bool:
        return self.action in (Action.CREATED, Action.CONFIGURED) and not self.held


def plan_kind(
    cluster: Cluster,
    batch: Sequence[Desired],
    live: Outcome[dict[ObjectRef, Manifest]],
    context: Context,
) -> list[PlanEntry]:
    """Plan the objects of one kind from what was read live (``live.by_kind``)."""
    if live.value is None:
        return [_unreadable(item, live.error, context) for item in batch]
    current = live.value
    entries: dict[int, PlanEntry] = {}
    pending: list[Desired] = []
    for item in batch:
        try:  # the cheap check first: most objects of a quiet poll need no request
            unchanged = item.ref in current and in_sync(item, current[item.ref])
        except Exception as exc:  # a bug comparing one object fails that object only
            entries[id(item)] = refused(item, exc, current.get(item.ref))
            continue
        if unchanged:
            entries[id(item)] = PlanEntry(item, Action.UNCHANGED, live=current[item.ref])
        else:
            pending.append(item)

    def one(item: Desired) -> PlanEntry:
        return plan_one(cluster, item, current.get(item.ref), context)

    for item, outcome in zip(pending, cluster.map(one, pending), strict=True):
        entries[id(item)] = outcome.value or refused(item, outcome.error, current.get(item.ref))
    return [entries[id(item)] for item in batch]


def plan_one(cluster: Cluster, item: Desired, live: Manifest | None, context: Context) -> PlanEntry:
    """Decide for one object that is not (cheaply) in sync (see the module docstring)."""
    mode = context.mode
    if live is None:
        return _create(cluster, item, namespaces=context.namespaces, mode=mode)
    refusal, taken = ownership(item, live, adoption=context.adoption, releasing=context.releasing)
    if refusal:
        return PlanEntry(item, Action.FAILED, refusal, live=live)
    drifted = _drifted(item, live)
    same_desired = applied_digest(live) == item.digest
    why = f"{_named(drifted)} {DRIFTED}" if same_desired else "changed in Git"
    why = taken or why
    if not same_desired and mode is Mode.APPLY:
        return PlanEntry(item, Action.CONFIGURED, why, drifted, live)
    # Drift that is only reported is judged without asking the server: not even a
    # dry run (a write permission) is sent, so a read-only identity can detect.
    hold = _hold(item, context) if same_desired and not taken else ""
    if hold:
        return PlanEntry(item, Action.CONFIGURED, f"{why}; {hold}", drifted, live, held=True)
    preview = cluster.apply(item.manifest, dry_run=True).object
    # A view from the watch cache holds only our fields: compare those.
    same = same_owned(preview, live) if isinstance(live, OwnedView) else same_object(preview, live)
    if same:
        return PlanEntry(item, Action.UNCHANGED, live=live)
    diff = render_diff(item.ref, live, preview) if mode is Mode.DIFF else ""
    return PlanEntry(item, Action.CONFIGURED, why, drifted, live, diff)


def _hold(item: Desired, context: Context) -> str:
    """Why this object's drift is left as it is, or "" to correct it."""
    if context.drift in ("detect", "ignore"):
        return f"not corrected (drift: {context.drift})"
    return context.held.get(item.ref, "")


def _create(
    cluster: Cluster, item: Desired, *, namespaces: Mapping[str, Manifest], mode: Mode
) -> PlanEntry:
    if mode is Mode.APPLY:
        return PlanEntry(item, Action.CREATED)
    if item.ref.namespace and item.ref.namespace not in namespaces:
        diff = render_diff(item.ref, None, item.manifest) if mode is Mode.DIFF else ""
        return PlanEntry(item, Action.CREATED, "would be created with its namespace", diff=diff)
    preview = cluster.apply(item.manifest, dry_run=True).object  # the server's schema checks it
    if mode is Mode.DIFF:
        return PlanEntry(item, Action.CREATED, diff=render_diff(item.ref, None, preview))
    return PlanEntry(item, Action.CREATED, "would be created")


def ownership(
    item: Desired, live: Manifest, *, adoption: bool, releasing: Collection[str] = ()
) -> tuple[str, str]:
    """(why the object must not be applied over, how it is being taken): one is "".

    One owner per object: another app's object (of this repository or another) is
    never applied over, unless its owner is ``releasing`` it in this very run (it
    rendered and no longer wants it: moved between apps in one commit) or its
    live object names this app in the hand-over annotation. An object with no
    owner label may be adopted, unless the repository turned adoption off
    (namespaces gitops-vela created itself always may).
    """
    meta = live.get("metadata") or {}
    labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
    owner = str(labels.get(OWNER) or "")
    if owner == item.owner:
        return "", ""
    if owner in releasing:
        return "", f"moved from app {owner}"
    if owner and annotations.get(HAND_OVER_ANNOTATION) == item.owner:
        return "", f"handed over by {owner} ({HAND_OVER_ANNOTATION})"
    if owner:
        return (
            f"owned by app {owner}; it is not applied over. To hand it over, remove it from"
            f" {owner} first, or annotate the live object {HAND_OVER_ANNOTATION}={item.owner}"
        ), ""
    if adoption or labels.get(MANAGED_BY) == MANAGED_BY_VALUE:
        return "", "adopted an existing object (it had no gitops-vela owner)"
    return (
        "exists without a gitops-vela owner and this repository does not adopt objects;"
        f" label it {OWNER}={item.owner} to adopt it, or delete it"
    ), ""


def _unreadable(item: Desired, error: BaseException | None, context: Context) -> PlanEntry:
    """A kind that could not be listed: an error, unless a CRD of this run may define it."""
    mode = context.mode
    if mode is Mode.APPLY or not isinstance(error, GitopsVelaError):
        return refused(item, error, None)
    if mode is Mode.DRY_RUN and not isinstance(error, UnknownKindError):
        return refused(item, error, None)
    crd = context.defined.get((item.ref.group, item.ref.kind))
    if mode is Mode.DRY_RUN:
        note = f"would be created if a CRD in this run defines {item.ref.kind}"
        if crd:
            note = f"would be created after its CustomResourceDefinition {crd}"
        return PlanEntry(item, Action.CREATED, note)
    # Only hint at a missing CRD when the same apply does not create it.
    why = f"its CustomResourceDefinition {crd} is created by this apply" if crd else error.message
    note = f"not checked by the server: {why}"
    return PlanEntry(item, Action.CREATED, note, diff=render_diff(item.ref, None, item.manifest))


def defined_kinds(items: Iterable[Desired]) -> dict[tuple[str, str], str]:
    """(group, kind) -> name of each CRD among ``items``: kinds this run defines."""
    found: dict[tuple[str, str], str] = {}
    for item in items:
        if item.ref.kind == "CustomResourceDefinition":
            spec = item.manifest.get("spec") or {}
            kind = str((spec.get("names") or {}).get("kind") or "")
            found[(str(spec.get("group") or ""), kind)] = item.ref.name
    return found


def refused(item: Desired, error: BaseException | None, live: Manifest | None) -> PlanEntry:
    """A failed entry, its error text free of secret values."""
    text = redact(describe(error), secret_values([item.manifest, live]))
    internal = error is not None and not isinstance(error, GitopsVelaError)
    return PlanEntry(item, Action.FAILED, text, live=live, internal=internal)


def describe(error: BaseException | None) -> str:
    """An error as one line: ours by its message, anything else as the bug it is."""
    if isinstance(error, GitopsVelaError):
        return error.message
    return f"internal error ({type(error).__name__}: {error}); please report it"


def in_sync(item: Desired, live: Manifest) -> bool:
    """The cheap check: Git did not change the object since we applied it, and every
    field we apply still has our value live. Needs no request.

    A verdict is remembered per (uid, resourceVersion, digest): a daemon polling
    an unchanged cluster does not compare the same object again.
    """
    if applied_digest(live) != item.digest:
        return False
    meta = live.get("metadata") or {}
    key = (str(meta.get("uid")), str(meta.get("resourceVersion")), item.digest)
    if key in _IN_SYNC:
        return True
    if not is_subset(comparable(item.manifest), live):
        return False
    if len(_IN_SYNC) >= _IN_SYNC_MAX:
        _IN_SYNC.clear()
    _IN_SYNC[key] = True
    return True


_IN_SYNC: dict[tuple[str, str, str], bool] = {}
_IN_SYNC_MAX = 200_000


def _drifted(item: Desired, live: Manifest) -> tuple[str, ...]:
    found = differences(comparable(item.manifest), live)
    return tuple(f for f in found if f != _DIGEST_FIELD) or ("a field",)


_DIGEST_FIELD = f"metadata.annotations.{DIGEST_ANNOTATION}"


def _named(fields: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``, bounded: ``a, b, ... and 7 more``."""
    names = list(fields)
    shown, rest = names[:MAX_NAMED_FIELDS], len(names) - MAX_NAMED_FIELDS
    if rest > 0:
        return f"{', '.join(shown)} and {rest} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"
