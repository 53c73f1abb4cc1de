from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.labels import owner_value
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health, worst


def test_diagnostic_prints_file_line_key_message() -> None:
    d = Diagnostic(
        "apps/shop/vela.yaml", "'http' is not of type 'integer'", 9, "services.frontend.port"
    )
    assert (
        str(d) == "apps/shop/vela.yaml:9: services.frontend.port: 'http' is not of type 'integer'"
    )


def test_diagnostic_with_hint_and_without_line() -> None:
    d = Diagnostic(
        "a.yaml",
        "unknown trait 'scaller'",
        key="services.web.scaller",
        hint="did you mean 'scaler'?",
    )
    assert (
        str(d) == "a.yaml: services.web.scaller: unknown trait 'scaller' (did you mean 'scaler'?)"
    )


def test_worst_health_wins() -> None:
    assert worst([Health.HEALTHY, Health.DEGRADED, Health.PROGRESSING]) is Health.DEGRADED
    assert worst([Health.HEALTHY, Health.PROGRESSING]) is Health.PROGRESSING
    assert worst([]) is Health.HEALTHY


def test_owner_label_is_hashed_past_63_characters() -> None:
    assert owner_value("shop", "frontend") == "shop.frontend"
    long = owner_value("a" * 40, "b" * 40)
    assert len(long) <= 63 and long != owner_value("a" * 40, "b" * 41)


def test_object_ref_identity_ignores_version() -> None:
    a = ObjectRef.from_manifest(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x", "namespace": "n"}}
    )
    b = ObjectRef("apps", "Deployment", "n", "x", version="v1beta1")
    assert a == b and hash(a) == hash(b)
    assert str(a) == "Deployment.apps/n/x"
