"""Appfile + catalog -> RenderedApp; Jsonnet behind one module."""
