"""Where the cluster is, resolved like kubectl: --kubeconfig, $KUBECONFIG, ~/.kube/config, in-cluster."""

from pathlib import Path

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, load_configuration
from gitops_vela.errors import ConfigError


def _two_contexts(emulator: Emulator, path: Path) -> Path:
    config = emulator.kubeconfig()
    good = config["contexts"][0]
    other = {"name": "elsewhere", "context": {**good["context"], "cluster": "nowhere"}}
    config = {
        **config,
        "clusters": [
            *config["clusters"],
            {"name": "nowhere", "cluster": {"server": "http://127.0.0.1:9"}},
        ],
        "contexts": [good, other],
        "current-context": "elsewhere",
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_an_explicit_kubeconfig_and_context_win(emulator: Emulator, tmp_path: Path) -> None:
    path = _two_contexts(emulator, tmp_path / "kc")
    assert load_configuration(str(path)).host == "http://127.0.0.1:9"  # current-context
    context = emulator.kubeconfig()["contexts"][0]["name"]
    with Cluster.connect(str(path), context) as cluster:
        assert cluster.host == emulator.url.rstrip("/")
        assert cluster.resource("v1", "ConfigMap").plural == "configmaps"


def test_kubeconfig_env_then_home(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(emulator.kubeconfig_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_configuration().host == emulator.url.rstrip("/")
    monkeypatch.delenv("KUBECONFIG")
    (tmp_path / ".kube").mkdir()
    _two_contexts(emulator, tmp_path / ".kube" / "config")
    assert load_configuration().host == "http://127.0.0.1:9"


def test_in_cluster_when_nothing_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConfigError, match="no cluster configured"):
        load_configuration()
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    with pytest.raises(ConfigError, match="cannot use in-cluster config"):
        load_configuration()  # no service-account token in this test: says so


def test_a_missing_context_is_a_clear_error(emulator: Emulator) -> None:
    with pytest.raises(ConfigError, match="cannot use kubeconfig"):
        load_configuration(str(emulator.kubeconfig_path), "no-such-context")


def test_a_missing_explicit_kubeconfig_says_no_such_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ConfigError, match=f"^{missing}: no such kubeconfig file$"):
        load_configuration(str(missing))


def test_a_kubeconfig_env_naming_no_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "gone"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(
        ConfigError, match=r"gone: no such kubeconfig file \(named by \$KUBECONFIG\)"
    ):
        load_configuration()


@pytest.mark.parametrize("text", ["clusters: [\n", "just a string\n", "- a\n- list\n"])
def test_a_kubeconfig_that_is_not_one_is_one_line_on_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """No traceback: one line naming the file (and the line, for a YAML error)."""
    from gitops_vela.cli import main

    bad = tmp_path / "kc"
    bad.write_text(text)
    # a checkout with an app: diff gets as far as the cluster
    (tmp_path / "vela.yaml").write_text("name: web\nservices:\n  web:\n    image: nginx\n")
    assert main(["diff", str(tmp_path), "--kubeconfig", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}"), err
    assert len(err.strip().splitlines()) == 1, err
