"""Health per object and per app: Healthy, Progressing, Degraded, Missing, Unknown.

Built-in rules cover the core kinds (``RULES`` in ``assess``); popular custom
resources get the health library's Jsonnet policy (``catalog.healthlib``);
any other kind gets a kstatus-style rule (``generic``: observedGeneration,
Ready/Available, Stalled/Reconciling conditions). A definition's
``healthPolicy`` wins for the objects it produced, and a repository's
definition naming a library kind replaces the library's policy (both chosen
at render time). The app's health is the worst of its objects' (``Health`` is
ordered).
"""

from gitops_vela.sync.health.assess import HealthReport, PolicyEvaluator, assess, report
from gitops_vela.sync.health.types import ObjectHealth

__all__ = ["HealthReport", "ObjectHealth", "PolicyEvaluator", "assess", "report"]
