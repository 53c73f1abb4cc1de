"""Health per object and per app: Healthy, Progressing, Degraded, Missing, Unknown.

Built-in rules cover the core kinds (``builtin``); any other kind gets a
kstatus-style rule (``generic``: observedGeneration, Ready/Available,
Stalled/Reconciling conditions); a definition's ``healthPolicy`` Jsonnet wins
for the objects it produced (``policy``). The app's health is the worst of its
objects' (``Health`` is ordered).
"""

from gitops_vela.sync.health.assess import HealthReport, PolicyEvaluator, assess, report
from gitops_vela.sync.health.types import ObjectHealth

__all__ = ["HealthReport", "ObjectHealth", "PolicyEvaluator", "assess", "report"]
