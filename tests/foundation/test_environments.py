"""Per-environment values in an Appfile: ``environments.<env>`` blocks and ``vela.<env>.yaml``.

The merge (maps merge, lists replace, ``null`` removes) runs before the
Appfile is checked, and errors name the file and line where the wrong value
was written: the base, the environment's block, or its overlay file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_vela.errors import AppfileError
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.render import load_apps, render_repository
from gitops_vela.render.discover import find_appfiles
from gitops_vela.render.environments import Layer, environment_document, merge
from gitops_vela.yamldoc import load_document
from tests.foundation.conftest import repo_catalog

SHOP = "apps/shop/vela.yaml"
SHOP_TEXT = """\
name: shop
namespace: shop
services:
  frontend:
    image: ghcr.io/acme/shop-web:1.4
    port: 8080
    scaler:
      replicas: 2
    sidecar:
      name: proxy
      image: envoy:1.0
  api:
    image: ghcr.io/acme/shop-api:1.0
environments:
  staging:
    namespace: shop-staging
    services:
      api: null
  prod:
    services:
      frontend:
        scaler: {replicas: 5}
        sidecar: null
      worker:
        image: ghcr.io/acme/shop-worker:1.0
"""


def write(root: Path, relative: str, text: str) -> None:
    (root / relative).parent.mkdir(parents=True, exist_ok=True)
    (root / relative).write_text(text)


def render(root: Path, environment: str = "") -> RepositoryRender:
    return render_repository(root, repo="acme", catalog=repo_catalog(root), environment=environment)


def shop(root: Path, environment: str = "") -> RenderedApp:
    result = render(root, environment)
    assert not result.failures, [str(d) for f in result.failures for d in f.diagnostics]
    (found,) = [app for app in result.apps if app.name == "shop"]
    return found


def objects(app: RenderedApp) -> dict[str, dict[str, Any]]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in app.objects}


def containers(deployment: dict[str, Any]) -> list[str]:
    return [c["name"] for c in deployment["spec"]["template"]["spec"]["containers"]]


def frontend_container(app: RenderedApp) -> dict[str, Any]:
    deployment = objects(app)["Deployment/frontend"]
    return dict(deployment["spec"]["template"]["spec"]["containers"][0])


def errors(root: Path, environment: str = "") -> list[str]:
    result = render(root, environment)
    return [str(d) for f in result.failures for d in f.diagnostics]


@pytest.fixture
def envs_repo(repo: Path) -> Path:
    write(repo, SHOP, SHOP_TEXT)
    return repo


def test_the_base_renders_without_any_environment(envs_repo: Path) -> None:
    app = shop(envs_repo)

    found = objects(app)
    assert app.namespace == "shop"
    assert found["Deployment/frontend"]["spec"]["replicas"] == 2
    assert containers(found["Deployment/frontend"]) == ["frontend", "proxy"]
    assert "Deployment/api" in found and "Deployment/worker" not in found


def test_staging_changes_the_namespace_and_removes_a_service(envs_repo: Path) -> None:
    app = shop(envs_repo, "staging")

    found = objects(app)
    assert app.namespace == "shop-staging"
    assert {o["metadata"]["namespace"] for o in app.objects} == {"shop-staging"}
    assert "Deployment/api" not in found and "Service/api" not in found
    assert found["Deployment/frontend"]["spec"]["replicas"] == 2  # inherited


def test_prod_merges_a_trait_removes_a_trait_and_adds_a_service(envs_repo: Path) -> None:
    app = shop(envs_repo, "prod")

    found = objects(app)
    assert app.namespace == "shop"
    assert found["Deployment/frontend"]["spec"]["replicas"] == 5
    assert containers(found["Deployment/frontend"]) == ["frontend"]  # sidecar: null
    assert frontend_container(app)["image"] == "ghcr.io/acme/shop-web:1.4"
    assert "Deployment/api" in found and "Deployment/worker" in found


def test_an_environment_no_appfile_declares_renders_the_base(envs_repo: Path) -> None:
    assert objects(shop(envs_repo, "dev")) == objects(shop(envs_repo))


def test_every_app_knows_its_environment_and_the_ones_it_declares(envs_repo: Path) -> None:
    write(envs_repo, "apps/shop/vela.dev.yaml", "services: {api: null}\n")
    result = render(envs_repo, "prod")

    assert not result.failures
    loaded, _ = load_apps(
        envs_repo, repo="acme", catalog=repo_catalog(envs_repo), environment="prod"
    )
    (app,) = [a for a in loaded if a.name == "shop"]
    assert app.environment == "prod"
    assert app.environments == ("dev", "prod", "staging")


def test_an_overlay_file_merges_after_the_block_and_is_not_an_appfile(envs_repo: Path) -> None:
    write(
        envs_repo,
        "apps/shop/vela.prod.yaml",
        "services:\n  frontend:\n    scaler: {replicas: 7}\n    env:\n      - {name: MODE, value: prod}\n",
    )

    assert "apps/shop/vela.prod.yaml" not in find_appfiles(envs_repo, ["apps/**/*.yaml"])
    prod = shop(envs_repo, "prod")
    assert objects(prod)["Deployment/frontend"]["spec"]["replicas"] == 7
    assert frontend_container(prod)["env"] == [{"name": "MODE", "value": "prod"}]
    assert "env" not in frontend_container(shop(envs_repo, "staging"))


def test_a_changed_overlay_is_seen_through_the_caches(envs_repo: Path) -> None:
    overlay = "apps/shop/vela.prod.yaml"
    write(envs_repo, overlay, "services: {frontend: {scaler: {replicas: 7}}}\n")
    assert objects(shop(envs_repo, "prod"))["Deployment/frontend"]["spec"]["replicas"] == 7

    write(envs_repo, overlay, "services: {frontend: {scaler: {replicas: 9}}}\n")

    assert objects(shop(envs_repo, "prod"))["Deployment/frontend"]["spec"]["replicas"] == 9


def test_a_yaml_file_named_like_an_overlay_without_its_base_is_an_appfile(repo: Path) -> None:
    write(repo, "apps/tools/tools.v2.yaml", "name: tools\nservices: {cli: {image: t:1}}\n")

    assert "apps/tools/tools.v2.yaml" in find_appfiles(repo, ["apps/**/*.yaml"])


def test_templates_see_context_environment(envs_repo: Path) -> None:
    write(
        envs_repo,
        "definitions/stamp.yaml",
        """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata: {name: stamp}
spec:
  appliesToWorkloads: [webservice]
  parameters: {type: object, properties: {}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: { metadata+: { labels+: { 'acme.dev/environment': context.environment } } },
        }
""",
    )
    path = envs_repo / SHOP
    path.write_text(path.read_text().replace("    port: 8080\n", "    port: 8080\n    stamp: {}\n"))

    def stamp(environment: str) -> str:
        deployment = objects(shop(envs_repo, environment))["Deployment/frontend"]
        return str(deployment["metadata"]["labels"]["acme.dev/environment"])

    assert (stamp("staging"), stamp("prod"), stamp("")) == ("staging", "prod", "")


def test_an_error_in_an_environment_block_names_its_line(envs_repo: Path) -> None:
    path = envs_repo / SHOP
    path.write_text(path.read_text().replace("scaler: {replicas: 5}", "scaler: {replicas: five}"))
    line = path.read_text().splitlines().index("        scaler: {replicas: five}") + 1

    assert errors(envs_repo, "prod") == [
        f"{SHOP}:{line}: environments.prod.services.frontend.scaler.replicas:"
        " 'five' is not of type 'integer'"
    ]
    assert errors(envs_repo, "staging") == []  # only prod takes the wrong value


def test_an_error_in_an_inherited_value_names_the_base(envs_repo: Path) -> None:
    path = envs_repo / SHOP
    path.write_text(path.read_text().replace("port: 8080", "port: http"))

    assert errors(envs_repo, "staging") == [
        f"{SHOP}:6: services.frontend.port: 'http' is not of type 'integer'"
    ]


def test_an_error_in_an_overlay_names_the_overlay_file(envs_repo: Path) -> None:
    overlay = "apps/shop/vela.prod.yaml"
    write(envs_repo, overlay, "services:\n  frontend:\n    scaler:\n      replicas: -1\n")

    assert errors(envs_repo, "prod") == [
        f"{overlay}:4: services.frontend.scaler.replicas: -1 is less than the minimum of 0"
    ]


def test_a_trait_an_environment_adds_is_checked_against_the_base(envs_repo: Path) -> None:
    path = envs_repo / SHOP
    path.write_text(
        path.read_text().replace("      api: null\n", "      frontend: {autoscale: {max: 3}}\n")
    )
    line = path.read_text().splitlines().index("      frontend: {autoscale: {max: 3}}") + 1

    assert errors(envs_repo, "staging") == [
        f"{SHOP}:{line}: environments.staging.services.frontend.autoscale:"
        " trait 'autoscale' conflicts with trait 'scaler'"
    ]


def test_malformed_environment_blocks_are_errors_in_every_environment(repo: Path) -> None:
    write(
        repo,
        SHOP,
        """\
name: shop
services:
  web: {image: w:1}
environments:
  Prod: {}
  staging:
    name: shop2
    replicas: 3
  dev: [namespace]
""",
    )

    expected = [
        f"{SHOP}:5: environments.Prod: environment name 'Prod' is not a DNS-1123 label"
        " (lower case letters, digits and '-')",
        f"{SHOP}:7: environments.staging.name: environment 'staging' cannot rename the app:"
        " the name is the same in every environment",
        f"{SHOP}:8: environments.staging.replicas: unknown key 'replicas' in environment"
        " 'staging' (it may set namespace, labels, annotations, services)",
        f"{SHOP}:9: environments.dev: environment 'dev' must be a mapping of namespace,"
        " labels, annotations, services",
    ]
    assert errors(repo) == expected
    assert errors(repo, "dev") == expected


def test_environments_must_be_a_mapping(repo: Path) -> None:
    write(repo, SHOP, "name: shop\nservices:\n  web: {image: w:1}\nenvironments: [prod]\n")

    (only,) = errors(repo)
    assert only.startswith(f"{SHOP}:4: environments: must map environment names to blocks")


def test_the_merge_maps_merge_lists_replace_null_removes() -> None:
    base = load_document(
        "a: {b: 1, c: [1, 2], d: {e: 1}}\nf: 1\nenvironments: {x: {a: {c: [3], d: null}}}\n",
        path="vela.yaml",
    )
    overlay = load_document("a:\n  b: 2\ng: {h: 1}\nf: null\n", path="vela.x.yaml")

    merged = merge(base, [Layer(base, ("environments", "x")), Layer(overlay, ())])

    assert merged.value == {"a": {"b": 2, "c": [3]}, "g": {"h": 1}}
    assert merged.source_of(("a", "c", 0)) == ("vela.yaml", ("environments", "x", "a", "c", 0))
    assert merged.source_of(("a", "b")) == ("vela.x.yaml", ("a", "b"))
    assert merged.source_of(("g", "h")) == ("vela.x.yaml", ("g", "h"))
    assert (merged.line_of(("a", "b")), merged.line_of(("g", "h"))) == (2, 3)
    assert merged.source_of(("a",)) == ("vela.yaml", ("a",))  # merged, not replaced


def test_a_later_layer_replacing_a_value_takes_its_origin() -> None:
    base = load_document("a: {b: [1]}\nenvironments:\n  x:\n    a: {b: [2]}\n", path="vela.yaml")
    overlay = load_document("\na: {b: 3}\n", path="vela.x.yaml")

    merged = merge(base, [Layer(base, ("environments", "x")), Layer(overlay, ())])

    assert merged.value == {"a": {"b": 3}}
    assert merged.diagnostic(("a", "b"), "bad").__str__() == "vela.x.yaml:2: a.b: bad"


def test_an_overlay_that_is_not_a_mapping_is_an_error() -> None:
    base = load_document("name: shop\nservices: {web: {image: w}}\n", path="a/vela.yaml")
    overlay = load_document("- services\n", path="a/vela.prod.yaml")

    with pytest.raises(AppfileError) as caught:
        environment_document(base, "prod", overlay)

    assert [str(d) for d in caught.value.diagnostics] == [
        "a/vela.prod.yaml:1: overlay for 'prod' must be a mapping of namespace, labels,"
        " annotations, services"
    ]
