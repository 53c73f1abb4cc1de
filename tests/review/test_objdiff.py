"""Per-object diffs and Secret masking."""

from typing import Any

from gitops_vela.review.objdiff import ObjectChange, diff_objects
from tests.test_masking import deployment, secret


def test_changed_object_gives_a_unified_diff_naming_it() -> None:
    (diff,) = diff_objects([deployment(1)], [deployment(3)])
    assert diff.change is ObjectChange.CHANGED
    assert diff.ref == "Deployment.apps/shop/web"
    lines = diff.diff.splitlines()
    assert lines[:2] == ["--- base/Deployment.apps/shop/web", "+++ head/Deployment.apps/shop/web"]
    assert "-  replicas: 1" in lines and "+  replicas: 3" in lines


def test_added_removed_and_unchanged_objects() -> None:
    diffs = diff_objects(
        [deployment(1, "a"), deployment(1, "b")], [deployment(1, "b"), deployment(2, "c")]
    )
    assert [(d.ref.rsplit("/", 1)[1], d.change) for d in diffs] == [
        ("c", ObjectChange.ADDED),
        ("a", ObjectChange.REMOVED),
    ]
    added = diffs[0].diff.splitlines()
    assert added[0] == "--- /dev/null" and all(line.startswith(("+", "@")) for line in added[2:])


def test_secret_values_never_appear_but_the_change_does() -> None:
    (diff,) = diff_objects(
        [secret(password="czNjcjN0", user="YWRtaW4=")], [secret(password="bmV3", user="YWRtaW4=")]
    )
    assert "czNjcjN0" not in diff.diff and "bmV3" not in diff.diff and "YWRtaW4=" not in diff.diff
    assert "-  password: '***'" in diff.diff.splitlines()
    assert "+  password: '*** (changed)'" in diff.diff.splitlines()
    assert "user" not in "".join(
        line
        for line in diff.diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    )


def test_added_secret_is_masked() -> None:
    (diff,) = diff_objects([], [secret(token="dG9rZW4=")])
    assert "dG9rZW4=" not in diff.diff and "+  token: '***'" in diff.diff.splitlines()


def config_map(text: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "conf", "namespace": "shop"},
        "data": {"app.yaml": text},
    }


def test_embedded_files_diff_line_by_line_and_keys_read_like_kubectl() -> None:
    (diff,) = diff_objects(
        [config_map("port: 80\nlevel: info\n")], [config_map("port: 80\nlevel: debug\n")]
    )

    body = diff.diff.splitlines()
    changed = [line for line in body[2:] if line[:1] in "+-"]
    assert changed == ["-    level: info", "+    level: debug"]
    assert "   app.yaml: |" in body

    (added,) = diff_objects([], [config_map("port: 80\n")])
    keys = [line[1:] for line in added.diff.splitlines()[2:] if line[1:2].isalpha()]
    assert keys == ["apiVersion: v1", "kind: ConfigMap", "metadata:", "data:"]
