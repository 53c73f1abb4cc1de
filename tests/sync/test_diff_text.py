"""The text of a diff: embedded files (ConfigMap data) change line by line."""

from gitops_vela.model.objects import ObjectRef
from gitops_vela.sync.diff import render_diff


def test_an_embedded_file_in_a_config_map_diffs_line_by_line() -> None:
    def config_map(text: str) -> dict[str, object]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "conf", "namespace": "shop"},
            "data": {"app.yaml": text},
        }

    ref = ObjectRef("", "ConfigMap", "shop", "conf")
    text = render_diff(
        ref, config_map("port: 80\nlevel: info\n"), config_map("port: 80\nlevel: debug\n")
    )

    changed = [line for line in text.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["-    level: info", "+    level: debug"]
