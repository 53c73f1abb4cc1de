"""The dependency index reads Appfiles, not renders, to find which apps use what."""

from pathlib import Path

from gitops_vela.review.depindex import build_index

GLOBS = ("**/vela.yaml", "apps/**/*.yaml")


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_index_finds_types_default_workload_and_trait_keys(tmp_path: Path) -> None:
    write(
        tmp_path,
        "apps/shop/vela.yaml",
        "name: shop\nservices:\n  web:\n    image: x\n    route: {domain: a}\n"
        "  job:\n    type: cron-task\n    schedule: '* * * * *'\n",
    )
    write(tmp_path, "apps/blog.yaml", "name: blog\nservices:\n  web:\n    type: worker\n")
    write(tmp_path, "other/vela.yaml", "name: other\nservices: {}\n")
    write(tmp_path, "apps/broken.yaml", "name: [unclosed\n")
    index = build_index(tmp_path, GLOBS)
    assert sorted(index.entries) == [
        "apps/blog.yaml",
        "apps/broken.yaml",
        "apps/shop/vela.yaml",
        "other/vela.yaml",
    ]
    assert index.names == {"shop", "blog", "other"}
    shop = index.entries["apps/shop/vela.yaml"]
    assert {"webservice", "route", "cron-task"} <= shop.references
    assert [e.name for e in index.users_of({"route"})] == ["shop"]
    assert [e.name for e in index.users_of({"worker", "webservice"})] == ["blog", "shop"]
    assert index.users_of({"scaler"}) == ()
    assert index.entries["apps/broken.yaml"].name == ""


def test_digest_follows_file_content(tmp_path: Path) -> None:
    write(tmp_path, "vela.yaml", "name: a\nservices: {}\n")
    first = build_index(tmp_path, GLOBS).entries["vela.yaml"].digest
    write(tmp_path, "vela.yaml", "name: a\nservices: {w: {}}\n")
    assert build_index(tmp_path, GLOBS).entries["vela.yaml"].digest != first
