"""Appfile + catalog -> RenderedApp; Jsonnet behind one module (``render.engine``)."""

from gitops_vela.model.appfile import DEFAULT_APP_GLOBS
from gitops_vela.render.cache import clear_caches
from gitops_vela.render.loading import load_apps
from gitops_vela.render.repository import render_repository

__all__ = ["DEFAULT_APP_GLOBS", "clear_caches", "load_apps", "render_repository"]
