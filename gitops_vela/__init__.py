"""gitops-vela: a GitOps reconciler for the KubeVela application model.

Pipeline (DESIGN §6), one way, through typed values in ``gitops_vela.model``::

    source ─> Snapshot ─> catalog + render ─> RenderedApp ─> sync (plan, apply,
    prune, health) ─> ChangeSet/HealthReport ─> status ─> AppStatus in Git
"""

__version__ = "0.1.0"
