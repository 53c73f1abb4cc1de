"""Capability definitions: load, validate, built-ins, capability centers."""

from gitops_vela.catalog.catalog import Catalog, applies_to, parse_pin, pin_admits
from gitops_vela.catalog.loader import BUILTIN_DIR, load_catalog

__all__ = ["BUILTIN_DIR", "Catalog", "applies_to", "load_catalog", "parse_pin", "pin_admits"]
