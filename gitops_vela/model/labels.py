"""Labels and annotations that gitops-vela writes or honours (DESIGN §5-6)."""

from __future__ import annotations

import hashlib

APP_NAME = "app.oam.dev/name"
COMPONENT = "app.oam.dev/component"
WORKLOAD_TYPE = "workload.oam.dev/type"
TRAIT_TYPE = "trait.oam.dev/type"
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "gitops-vela"
OWNER = "gitops-vela.dev/app"

PRUNE_ANNOTATION = "gitops-vela.dev/prune"  # "disabled" keeps an object
RECREATE_ANNOTATION = "gitops-vela.dev/recreate"  # "enabled" allows delete-and-recreate
# On a live object: "<repo>.<app>" (an ownership value) may take it over from its owner.
HAND_OVER_ANNOTATION = "gitops-vela.dev/hand-over-to"
# Hash of the object as gitops-vela last applied it; changes only with the object's content.
DIGEST_ANNOTATION = "gitops-vela.dev/digest"

FIELD_MANAGER = "gitops-vela"
MAX_LABEL_VALUE = 63


def owner_value(repo: str, app: str) -> str:
    """The ownership label value ``<repo>.<app>``, hashed when over 63 characters.

    The hashed form keeps a readable prefix and ends in 10 hex characters of
    SHA-256, so it stays a valid label value and stays unique in practice.
    """
    value = f"{repo}.{app}"
    if len(value) <= MAX_LABEL_VALUE:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:10]
    prefix = value[: MAX_LABEL_VALUE - 11].rstrip("-_.")
    return f"{prefix}-{digest}"
