"""``gitops-vela why`` on sample-repo: every kind of origin the issue names, through the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_vela.cli import main
from tests.provenance.conftest import SAMPLE, Why, field, sources, steps


def _line_of(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` containing ``text``."""
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_workload_parameter_names_its_appfile_line(why: Why) -> None:
    doc = why("deployment/frontend", "spec.template.spec.containers[name=frontend].image")
    image = field(doc, "spec.template.spec.containers[name=frontend].image")
    assert image["value"] == "ghcr.io/acme/shop-web:1.4.2"
    assert steps(image) == [("workload", "webservice")]
    line = _line_of(SAMPLE / "apps/shop/vela.yaml", "image: ghcr.io/acme/shop-web")
    assert sources(image) == [f"apps/shop/vela.yaml:{line} services.frontend.image"]
    assert doc["app"] == "shop" and doc["service"] == "frontend"


def test_a_trait_parameter_names_the_trait_and_its_key(why: Why) -> None:
    host = field(why("ingress/frontend", "spec.rules[0].host", "-n", "shop"), "spec.rules[0].host")
    assert host["value"] == "shop.example.com"
    assert steps(host) == [("trait", "route")]
    line = _line_of(SAMPLE / "apps/shop/vela.yaml", "domain: shop.example.com")
    assert sources(host) == [f"apps/shop/vela.yaml:{line} services.frontend.route.domain"]


def test_a_default_names_the_parameter_and_the_definition_line(why: Why) -> None:
    doc = why("ingress/frontend", "spec.ingressClassName")
    (source,) = field(doc, "spec.ingressClassName")["sources"]
    assert source["kind"] == "default" and source["definition"] == "route"
    assert source["key"] == "provider" and source["file"] == "<builtin>/route.yaml"
    builtin = Path(__file__).parents[2] / "gitops_vela/catalog/builtin/route.yaml"
    lines = builtin.read_text().splitlines()
    assert "default: nginx" in lines[source["line"] - 1]


def test_a_template_constant_names_the_template(why: Why) -> None:
    entry = field(why("deployment/frontend", "apiVersion"), "apiVersion")
    assert entry["value"] == "apps/v1"
    assert [s["kind"] for s in entry["sources"]] == ["constant"]
    assert entry["sources"][0]["file"] == "<builtin>/webservice.jsonnet"


def test_a_trait_patching_the_workload_is_the_setter(why: Why) -> None:
    replicas = field(why("deployment/frontend", "spec.replicas"), "spec.replicas")
    assert replicas["value"] == 3
    assert steps(replicas) == [("trait", "scaler")]  # webservice leaves replicas unset
    line = _line_of(SAMPLE / "apps/shop/vela.yaml", "replicas: 3")
    assert sources(replicas) == [f"apps/shop/vela.yaml:{line} services.frontend.scaler.replicas"]


def test_a_trait_overriding_a_workload_value_shows_both_steps(why: Why, demo_repo: Path) -> None:
    path = "spec.template.spec.containers[name=cache].resources.requests.cpu"
    cpu = field(why("deployment/cache", path, path=demo_repo), path)
    assert cpu["value"] == "1"
    assert [(s["definition"], s["value"]) for s in cpu["steps"]] == [
        ("webservice", "0.5"),
        ("resources", "1"),
    ]
    line = _line_of(demo_repo / "apps/why-demo/vela.yaml", 'cpu: "1"')
    assert sources(cpu) == [f"apps/why-demo/vela.yaml:{line} services.cache.resources.cpu"]


def test_two_traits_in_sequence_the_last_wins_and_both_are_shown(why: Why, demo_repo: Path) -> None:
    path = "spec.template.spec.containers[name=cache].volumeMounts[name=workdir].mountPath"
    mount = field(why("deployment/cache", path, path=demo_repo), path)
    assert mount["value"] == "/data"
    assert [(s["role"], s["definition"], s["value"]) for s in mount["steps"]] == [
        ("trait", "storage", "/cache"),
        ("trait", "init-container", "/data"),
    ]
    line = _line_of(demo_repo / "apps/why-demo/vela.yaml", "appMountPath: /data")
    assert sources(mount) == [
        f"apps/why-demo/vela.yaml:{line} services.cache.init-container.appMountPath"
    ]


def test_context_values_are_named(why: Why) -> None:
    doc = why("ingress/frontend")
    assert sources(field(doc, "metadata.name")) == ["context.name"]
    secret = field(doc, "spec.tls[0].secretName")
    assert secret["value"] == "frontend-tls"
    assert [s["text"] for s in secret["sources"]] == ["context.name"]
    assert [s["kind"] for s in field(doc, "metadata.namespace")["sources"]] == ["gitops-vela"]
    owner = field(doc, "metadata.labels['gitops-vela.dev/app']")
    assert owner["sources"][0]["kind"] == "gitops-vela"


def test_without_field_every_leaf_is_explained(why: Why) -> None:
    doc = why("service/frontend")
    names = {f["field"] for f in doc["fields"]}
    assert {"spec.ports[name=http].port", "spec.selector['app.oam.dev/component']"} <= names
    assert all(f["sources"] for f in doc["fields"])
    port = field(doc, "spec.ports[name=http].port")
    assert port["value"] == 8080 and sources(port)[0].endswith("services.frontend.port")


def test_text_output_reads_as_the_issue_asks(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["why", "deploy/frontend", "spec.replicas", str(SAMPLE), "-n", "shop", "--offline"])
    out = capsys.readouterr().out
    assert code == 0
    assert "spec.replicas: 3" in out
    assert "set by:  trait scaler" in out
    assert "apps/shop/vela.yaml:18 services.frontend.scaler.replicas" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deployment/nope"], "no rendered object deployment/nope"),
        (["deployment/frontend", "spec.nothing"], "has no field spec.nothing"),
        (["deployment"], "expected KIND/NAME"),
        (["deployment/frontend", "spec..x["], "not a field path"),
    ],
)
def test_bad_references_say_what_is_wrong(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["why", *args, str(SAMPLE), "--offline"])
    assert code != 0
    assert message in capsys.readouterr().err


def test_env_names_the_environment_block_that_set_the_value(why: Why) -> None:
    doc = why("deployment/frontend", "spec.replicas", "--env", "prod")
    assert doc["environment"] == "prod"
    replicas = field(doc, "spec.replicas")
    assert replicas["value"] == 5
    assert steps(replicas) == [("trait", "scaler")]
    line = _line_of(SAMPLE / "apps/shop/vela.yaml", "scaler: {replicas: 5}")
    (source,) = replicas["sources"]
    assert source["text"] == (
        f"apps/shop/vela.yaml:{line} environments.prod.services.frontend.scaler.replicas"
    )
    assert (source["file"], source["line"]) == ("apps/shop/vela.yaml", line)


def test_env_names_the_base_for_what_the_environment_inherits(why: Why) -> None:
    doc = why("deployment/frontend", "--env", "staging")
    image = field(doc, "spec.template.spec.containers[name=frontend].image")
    line = _line_of(SAMPLE / "apps/shop/vela.yaml", "image: ghcr.io/acme/shop-web")
    assert sources(image) == [f"apps/shop/vela.yaml:{line} services.frontend.image"]
    staging = _line_of(SAMPLE / "apps/shop/vela.yaml", "route: {domain: staging.shop")
    host = why("ingress/frontend", "spec.rules[0].host", "--env", "staging")
    assert sources(field(host, "spec.rules[0].host")) == [
        f"apps/shop/vela.yaml:{staging} environments.staging.services.frontend.route.domain"
    ]


def test_env_names_the_overlay_file_that_set_the_value(why: Why, tmp_path: Path) -> None:
    root = tmp_path / "sample-repo"
    shutil.copytree(SAMPLE, root)
    (root / "apps/shop/vela.prod.yaml").write_text(
        "# prod's own replicas\nservices:\n  frontend:\n    scaler:\n      replicas: 7\n"
    )
    doc = why("deployment/frontend", "spec.replicas", "--env", "prod", path=root)
    replicas = field(doc, "spec.replicas")
    assert replicas["value"] == 7  # the overlay merges after the Appfile's prod block
    assert sources(replicas) == ["apps/shop/vela.prod.yaml:5 services.frontend.scaler.replicas"]
    namespace = field(why("deployment/frontend", "--env", "prod", path=root), "metadata.namespace")
    assert sources(namespace) == [
        "namespace of the app (added by gitops-vela), from apps/shop/vela.yaml:5"
    ]


def test_env_that_no_appfile_declares_warns(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["why", "deployment/frontend", "spec.replicas", str(SAMPLE), "--offline"]
    assert main([*args, "--env", "prdo"]) == 0
    out, err = capsys.readouterr()
    assert "no Appfile declares environment 'prdo'" in err
    assert out.startswith(
        "Deployment shop/frontend: app shop (apps/shop/vela.yaml), environment prdo,"
    )
    assert "services.frontend.scaler.replicas" in out and "environments." not in out


def test_env_namespace_set_by_the_environment_names_its_line(why: Why, tmp_path: Path) -> None:
    root = tmp_path / "sample-repo"
    shutil.copytree(SAMPLE, root)
    appfile = root / "apps/shop/vela.yaml"
    text = appfile.read_text()
    appfile.write_text(text.replace("  staging:\n", "  staging:\n    namespace: shop-staging\n", 1))
    line = _line_of(appfile, "namespace: shop-staging")
    doc = why("deployment/frontend", "-n", "shop-staging", "--env", "staging", path=root)
    assert doc["namespace"] == "shop-staging"
    assert sources(field(doc, "metadata.namespace")) == [
        f"namespace of the app (added by gitops-vela), from apps/shop/vela.yaml:{line}"
    ]
