"""Appfile + catalog -> RenderedApp; Jsonnet behind one module (``render.engine``)."""

from gitops_vela.render.discover import DEFAULT_APP_GLOBS
from gitops_vela.render.repository import configure, load_apps, render_repository

__all__ = ["DEFAULT_APP_GLOBS", "configure", "load_apps", "render_repository"]
