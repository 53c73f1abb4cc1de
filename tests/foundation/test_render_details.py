"""Render behaviour beyond the happy path: context, scopes, files, caching, discovery."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.render import render_repository
from tests.foundation.conftest import repo_catalog

CONTEXT_TEMPLATE = """
function(parameter, context) {
  output: {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: context.name },
    data: { [k]: std.toString(context[k]) for k in std.objectFields(context) },
  },
}
"""


def add_definition(
    root: Path, name: str, template: str, *, kind: str = "WorkloadDefinition"
) -> None:
    doc = {
        "apiVersion": "core.oam.dev/v1beta1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"schematic": {"jsonnet": {"template": template}}},
    }
    (root / "definitions" / f"{name}.yaml").write_text(yaml.safe_dump(doc))


def add_app(root: Path, name: str, services: dict[str, object], **extra: object) -> None:
    folder = root / "apps" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vela.yaml").write_text(
        yaml.safe_dump({"name": name, **extra, "services": services}, sort_keys=False)
    )


def only_app(root: Path, name: str, **kwargs: object) -> RenderedApp:
    result = render_repository(root, repo="acme", catalog=repo_catalog(root), apps=[name], **kwargs)  # type: ignore[arg-type]
    assert not result.failures, result.failures
    (app,) = result.apps
    return app


def test_templates_see_the_whole_context(repo: Path) -> None:
    add_definition(repo, "ctx", CONTEXT_TEMPLATE)
    add_app(repo, "probe", {"svc": {"type": "ctx"}}, namespace="team")

    app = only_app(repo, "probe", revision="abc123")

    assert app.objects[0]["data"] == {
        "appName": "probe",
        "environment": "",  # rendered without --env: the base
        "name": "svc",
        "namespace": "team",
        "repo": "acme",
        "revision": "abc123",
        "workloadType": "ctx",
    }


def test_a_trait_sees_the_workload_rendered_so_far(repo: Path) -> None:
    add_definition(
        repo,
        "echo",
        "function(parameter, context) { outputs: { seen: { apiVersion: 'v1', kind: 'ConfigMap', "
        "metadata: { name: 'seen' }, data: { replicas: std.toString(context.output.spec.replicas) } } } }",
        kind="TraitDefinition",
    )
    add_app(repo, "order", {"web": {"image": "x", "scaler": {"replicas": 4}, "echo": {}}})

    app = only_app(repo, "order")

    seen = next(o for o in app.objects if o["metadata"]["name"] == "seen")
    assert seen["data"] == {"replicas": "4"}
    assert seen["metadata"]["labels"]["trait.oam.dev/type"] == "echo"


def test_cluster_scoped_objects_get_no_namespace_and_crds_declare_custom_scopes(repo: Path) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.acme.io"},
        "spec": {"group": "acme.io", "scope": "Cluster", "names": {"kind": "Widget"}},
    }
    widget = {"apiVersion": "acme.io/v1", "kind": "Widget", "metadata": {"name": "w"}}
    gadget = {"apiVersion": "acme.io/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    objects = [widget, gadget, namespace, crd]
    add_app(repo, "platform", {"objects": {"type": "k8s-objects", "objects": objects}})

    app = only_app(repo, "platform")

    assert [str(ref) for ref in app.refs] == [
        "CustomResourceDefinition.apiextensions.k8s.io/widgets.acme.io",
        "Namespace/team",
        "Gadget.acme.io/default/g",
        "Widget.acme.io/w",
    ]


def test_files_parameter_reads_yaml_relative_to_the_appfile(repo: Path) -> None:
    folder = repo / "apps/platform"
    (folder / "crds").mkdir(parents=True)
    (folder / "crds/two.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
    )
    add_app(repo, "platform", {"objects": {"type": "k8s-objects", "files": ["crds/two.yaml"]}})

    app = only_app(repo, "platform")

    assert [o["metadata"]["name"] for o in app.objects] == ["a", "b"]


def test_files_parameter_refuses_paths_leaving_the_repository(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.yaml").write_text("kind: Secret\n")
    os.symlink(tmp_path / "secret.yaml", repo / "link.yaml")
    files = ["../../../secret.yaml", "/etc/hostname", "../../link.yaml", "missing.yaml"]
    add_app(repo, "platform", {"objects": {"type": "k8s-objects", "files": files}})

    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    (failure,) = result.failures
    assert [str(d) for d in failure.diagnostics] == [
        "apps/platform/vela.yaml:6: services.objects.files[0]: file '../../../secret.yaml' "
        "points outside the repository",
        "apps/platform/vela.yaml:7: services.objects.files[1]: file '/etc/hostname' is an "
        "absolute path: give it relative to the Appfile",
        "apps/platform/vela.yaml:8: services.objects.files[2]: file 'link.yaml' is a symlink "
        "leading outside the repository",
        "apps/platform/vela.yaml:9: services.objects.files[3]: file "
        "'apps/platform/missing.yaml' does not exist",
    ]


def test_a_new_revision_reuses_renders_of_templates_that_ignore_it(repo: Path) -> None:
    first = only_app(repo, "shop", revision="1111")
    second = only_app(repo, "shop", revision="2222")

    assert second is first  # served from the cache: context.revision is not used by these templates


def test_a_template_reading_the_revision_is_rendered_again(repo: Path) -> None:
    add_definition(repo, "ctx", CONTEXT_TEMPLATE)
    add_app(repo, "probe", {"svc": {"type": "ctx"}})

    first = only_app(repo, "probe", revision="1111")
    second = only_app(repo, "probe", revision="2222")

    assert first.objects[0]["data"]["revision"] == "1111"
    assert second.objects[0]["data"]["revision"] == "2222"


def test_a_changed_file_parameter_is_read_again(repo: Path) -> None:
    (repo / "apps/platform").mkdir(parents=True)
    source = repo / "apps/platform/cm.yaml"
    source.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: before}\n")
    add_app(repo, "platform", {"objects": {"type": "k8s-objects", "files": ["cm.yaml"]}})
    only_app(repo, "platform")

    source.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\n")

    assert only_app(repo, "platform").objects[0]["metadata"]["name"] == "after"


def test_health_policies_map_objects_to_their_definition(repo: Path) -> None:
    app = only_app(repo, "shop")

    deployment = ObjectRef("apps", "Deployment", "shop", "frontend")
    hpa = ObjectRef("autoscaling", "HorizontalPodAutoscaler", "shop", "api")
    assert "healthy" in app.health_policies[deployment]
    assert hpa not in app.health_policies  # autoscale has no healthPolicy
    assert app.definitions == frozenset({"webservice", "scaler", "sidecar", "autoscale"})


def test_digest_is_stable_and_follows_content(repo: Path) -> None:
    before = only_app(repo, "shop").digest
    text = (repo / "apps/shop/vela.yaml").read_text()
    (repo / "apps/shop/vela.yaml").write_text(text.replace("replicas: 3", "replicas: 4"))

    assert only_app(repo, "shop").digest != before
    (repo / "apps/shop/vela.yaml").write_text(text)
    assert only_app(repo, "shop").digest == before


def test_build_block_is_ignored_with_a_warning(repo: Path) -> None:
    add_app(repo, "built", {"web": {"image": "x", "build": {"docker": {"file": "Dockerfile"}}}})

    app = only_app(repo, "built")

    assert [str(w) for w in app.warnings] == [
        "apps/built/vela.yaml:5: services.web.build: 'build' is ignored: images are built in CI, "
        "not by the reconciler"
    ]


def test_yaml_under_apps_without_services_is_skipped(repo: Path) -> None:
    (repo / "apps/shop/kustomization.yaml").write_text("resources: [a.yaml]\n")
    (repo / "apps/extra").mkdir()
    (repo / "apps/extra/app.yaml").write_text(
        yaml.safe_dump({"name": "extra", "services": {"w": {"image": "x"}}})
    )
    (repo / ".hidden").mkdir()
    (repo / ".hidden/vela.yaml").write_text("not: an appfile\n")

    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    assert result.ok
    assert [app.name for app in result.apps] == ["extra", "report", "shop"]


def test_a_vela_yaml_is_always_an_appfile(repo: Path) -> None:
    (repo / "team").mkdir()
    (repo / "team/vela.yaml").write_text("name: team\nservice:\n  web: {image: x}\n")

    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    assert [str(d) for f in result.failures for d in f.diagnostics] == [
        "team/vela.yaml:1: services: needs a mapping of one or more services",
        "team/vela.yaml:2: service: unknown Appfile key 'service' (did you mean 'services'?)",
    ]


def test_a_big_app_is_split_across_evaluations_and_merged(repo: Path) -> None:
    services: dict[str, object] = {f"s{i:02d}": {"image": f"img:{i}"} for i in range(45)}
    add_app(repo, "big", services)

    app = only_app(repo, "big")

    assert len(app.objects) == 90  # a Deployment and a Service each
    assert {o["metadata"]["labels"]["app.oam.dev/component"] for o in app.objects} == set(services)


def test_an_error_in_a_big_app_names_its_service(repo: Path) -> None:
    add_definition(
        repo, "boom", "function(parameter, context) { patch: error 'bad' }", kind="TraitDefinition"
    )
    services: dict[str, object] = {f"s{i:02d}": {"image": "x"} for i in range(45)}
    services["s44"] = {"image": "x", "boom": {}}
    add_app(repo, "big", services)

    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    assert [app.name for app in result.apps] == ["report", "shop"]
    (failure,) = result.failures
    assert [d.key for d in failure.diagnostics] == ["services.s44"]
    assert "definition 'boom'" in failure.diagnostics[0].message


def test_apps_rendering_the_same_object_are_warned(repo: Path) -> None:
    add_app(repo, "copy", {"frontend": {"image": "x"}}, namespace="shop")

    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    warnings = {app.name: [str(w) for w in app.warnings] for app in result.apps}
    assert warnings["copy"] == [
        "apps/copy/vela.yaml: name: Service/shop/frontend is also rendered by app 'shop' "
        "(apps/shop/vela.yaml)",
        "apps/copy/vela.yaml: name: Deployment.apps/shop/frontend is also rendered by app "
        "'shop' (apps/shop/vela.yaml)",
    ]
    assert len(warnings["shop"]) == 2 and warnings["report"] == []
