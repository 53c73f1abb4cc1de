"""The dependency index reads Appfiles, not renders, to find which apps use what."""

from pathlib import Path

from gitops_vela.review.depindex import build_index, updated_index

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


def app(name: str, kind: str = "webservice") -> str:
    return f"name: {name}\nservices:\n  web:\n    type: {kind}\n    image: x\n"


BASE = {
    "apps/shop/vela.yaml": app("shop"),
    "apps/blog/vela.yaml": app("blog"),
    "apps/blog/vela.prod.yaml": "services:\n  web:\n    route: {domain: a}\n",
    "apps/notes.yaml": app("notes"),
    "config/values.yaml": "color: blue\n",
}

# (files written, files removed): each a commit the diff names exactly
COMMITS = {
    "an Appfile changed": ({"apps/shop/vela.yaml": app("shop", "worker")}, ()),
    "an overlay changed": (
        {"apps/blog/vela.prod.yaml": "services:\n  web:\n    cron: {}\n"},
        (),
    ),
    "an overlay added": ({"apps/shop/vela.stage.yaml": "services: {}\n"}, ()),
    "an overlay removed": ({}, ("apps/blog/vela.prod.yaml",)),
    "an Appfile added with its overlay": (
        {"apps/new/vela.yaml": app("new"), "apps/new/vela.prod.yaml": "services: {}\n"},
        (),
    ),
    "an Appfile removed": ({}, ("apps/notes.yaml",)),
    "an Appfile moved": ({"apps/shop2/vela.yaml": app("shop")}, ("apps/shop/vela.yaml",)),
    "a file no glob matches": ({"config/values.yaml": "color: red\n"}, ()),
    "a broken Appfile": ({"apps/shop/vela.yaml": "name: [\n"}, ()),
}


def test_an_index_updated_from_the_diff_is_the_index_of_the_new_tree(tmp_path: Path) -> None:
    for what, (written, removed) in COMMITS.items():
        root = tmp_path / what.replace(" ", "-")
        for rel, text in BASE.items():
            write(root, rel, text)
        before = build_index(root, GLOBS)
        for rel, text in written.items():
            write(root, rel, text)
        for rel in removed:
            (root / rel).unlink()
        updated = updated_index(before, root, [*written, *removed], GLOBS)
        assert updated == build_index(root, GLOBS), what


def test_unchanged_appfiles_are_not_read_again(tmp_path: Path) -> None:
    for rel, text in BASE.items():
        write(tmp_path, rel, text)
    before = build_index(tmp_path, GLOBS)
    write(tmp_path, "apps/shop/vela.yaml", app("shop", "worker"))
    updated = updated_index(before, tmp_path, ["apps/shop/vela.yaml"], GLOBS)
    assert updated is not None  # the others are taken over as they were, not parsed again
    assert updated.entries["apps/notes.yaml"] is before.entries["apps/notes.yaml"]
    assert updated.entries["apps/blog/vela.yaml"] is before.entries["apps/blog/vela.yaml"]
    assert "worker" in updated.entries["apps/shop/vela.yaml"].references


def test_a_diff_that_may_change_which_files_are_appfiles_asks_for_a_scan(tmp_path: Path) -> None:
    for rel, text in BASE.items():
        write(tmp_path, rel, text)
    before = build_index(tmp_path, GLOBS)
    assert updated_index(before, tmp_path, [".gitops-vela-ignore"], GLOBS) is None
    (tmp_path / "apps/blog/vela.yaml").unlink()  # its overlay stays: an Appfile of its own?
    assert updated_index(before, tmp_path, ["apps/blog/vela.yaml"], GLOBS) is None
