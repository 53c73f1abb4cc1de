"""Capability definitions: load, validate, built-ins, capability centers."""
