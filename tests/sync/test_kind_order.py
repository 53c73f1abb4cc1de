"""CRDs and Namespaces first, classes next, then a fixed kind order; custom resources last."""

from gitops_vela.sync.ordering import Stage, kind_key, stage_of


def test_stages() -> None:
    assert stage_of("CustomResourceDefinition") is Stage.DEFINITIONS
    assert stage_of("Namespace") is Stage.DEFINITIONS
    assert stage_of("IngressClass") is Stage.CLASSES
    assert stage_of("Deployment") is Stage.RESOURCES


def test_apply_order() -> None:
    kinds = [
        ("flagger.app", "Canary"),
        ("networking.k8s.io", "Ingress"),
        ("apps", "Deployment"),
        ("", "Service"),
        ("", "ConfigMap"),
        ("networking.k8s.io", "IngressClass"),
        ("", "Namespace"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("", "ServiceAccount"),
    ]
    ordered = [k for _, k in sorted(kinds, key=lambda gk: kind_key(*gk))]
    assert ordered == [
        "CustomResourceDefinition",
        "Namespace",
        "IngressClass",
        "ServiceAccount",
        "ConfigMap",
        "Service",
        "Deployment",
        "Ingress",
        "Canary",
    ]
