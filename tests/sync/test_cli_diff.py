"""``gitops-vela diff``: exit 0 none, 1 differences, 2 error; Secret values never shown."""

import shutil
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster

REPO = Path(__file__).parent / "testdata" / "repo"
PASSWORD = "hunter2-very-secret"
NEW_PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO, tmp_path / "acme"))


def _run(command: str, emulator: Emulator, checkout: Path, *extra: str) -> int:
    return main([command, str(checkout), "--kubeconfig", str(emulator.kubeconfig_path), *extra])


def _edit(checkout: Path, old: str, new: str) -> None:
    appfile = checkout / "apps" / "shop" / "vela.yaml"
    appfile.write_text(appfile.read_text().replace(old, new))


def test_diff_exit_codes_follow_the_cluster(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("diff", emulator, checkout) == 1  # nothing applied yet
    assert "created Deployment.apps/shop/web" in capsys.readouterr().out
    assert _run("apply", emulator, checkout) == 0
    capsys.readouterr()
    assert _run("diff", emulator, checkout) == 0
    assert capsys.readouterr().out.strip() == "0 object(s) differ in 0 app(s)"

    _edit(checkout, "nginx:1.25", "nginx:1.26")
    assert _run("diff", emulator, checkout) == 1
    out = capsys.readouterr().out
    assert "configured Deployment.apps/shop/web" in out
    assert "-      - image: nginx:1.25" in out and "+      - image: nginx:1.26" in out
    assert (
        "managedFields" not in out
        and "resourceVersion" not in out
        and "gitops-vela.dev/digest" not in out
    )


def test_a_changed_secret_says_so_without_its_value(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("apply", emulator, checkout) == 0
    _edit(checkout, PASSWORD, NEW_PASSWORD)
    capsys.readouterr()

    assert _run("diff", emulator, checkout) == 1
    assert _run("apply", emulator, checkout, "-o", "json") == 0
    assert _run("apply", emulator, checkout) == 0

    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "configured Secret/shop/web-credentials" in text
    assert "password: '*** (changed)'" in text
    for value in (PASSWORD, NEW_PASSWORD):
        assert value not in text


def test_a_cluster_error_is_exit_2(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.kubeconfig"
    assert main(["diff", str(checkout), "--kubeconfig", str(missing)]) == 2
    assert "nope.kubeconfig: no such kubeconfig file" in capsys.readouterr().err


def test_diff_lists_what_prune_would_delete_but_not_what_is_kept(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run("apply", emulator, checkout) == 0
    appfile = checkout / "apps" / "shop" / "vela.yaml"
    appfile.write_text(
        appfile.read_text().replace("    domain:\n      host: shop.example.com\n", "")
    )
    capsys.readouterr()
    assert _run("diff", emulator, checkout) == 1
    assert (
        "deleted Ingress.networking.k8s.io/shop/web (no longer rendered" in capsys.readouterr().out
    )

    assert main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path)]) == 0
    resource_path = "/apis/networking.k8s.io/v1/namespaces/shop/ingresses/web"
    with Cluster(emulator.client_configuration()) as cluster:
        cluster.transport.request(
            "PATCH",
            resource_path,
            verb="patch",
            content_type="application/merge-patch+json",
            body={"metadata": {"annotations": {"gitops-vela.dev/prune": "disabled"}}},
        )
    capsys.readouterr()
    assert _run("diff", emulator, checkout) == 0


def test_a_broken_appfile_is_named_with_its_error_and_the_others_are_diffed(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (checkout / "apps" / "blog").mkdir()
    (checkout / "apps" / "blog" / "vela.yaml").write_text(
        "name: blog\nservices:\n  web:\n    type: site\n    image: 3\n"
    )

    assert _run("diff", emulator, checkout) != 0

    out = capsys.readouterr().out
    assert "created Deployment.apps/shop/web" in out
    assert "app blog: not diffed, its Appfile is broken" in out
    assert "  apps/blog/vela.yaml:5: services.web.image" in out
