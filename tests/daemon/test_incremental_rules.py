"""The rules of incremental render (``daemon.incremental``), on plain data: which
Appfiles a change reaches, and when the merge refuses (render everything)."""

from __future__ import annotations

from dataclasses import replace

from gitops_vela.catalog import Catalog
from gitops_vela.daemon.incremental import (
    Rendered,
    bound_to,
    changed_definitions,
    dirty_appfiles,
    merge,
)
from gitops_vela.model.definitions import Definition, DefinitionKind
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.review.depindex import AppEntry, DependencyIndex

SHA = "a" * 40


def trait(name: str, digest: str, template: str = "function(parameter, context) {}") -> Definition:
    return Definition(
        DefinitionKind.TRAIT,
        name,
        template,
        f"definitions/{name}.jsonnet",
        ".",
        digest,
        origin="acme",
        path=f"definitions/{name}.yaml",
        sources={f"definitions/{name}.jsonnet": template},
    )


def app(name: str, *, config: str = "") -> RenderedApp:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": config or name}}
    obj["metadata"]["namespace"] = "shared"
    return RenderedApp("acme", name, "shared", f"apps/{name}/vela.yaml", (obj,), f"d-{name}")


def entry(name: str, *uses: str) -> AppEntry:
    path = f"apps/{name}/vela.yaml"
    return AppEntry(name, path, f"blob-{name}", frozenset(("webservice", *uses)))


def index(*entries: AppEntry) -> DependencyIndex:
    return DependencyIndex({e.path: e for e in entries})


def previous(*apps: RenderedApp, catalog: Catalog | None = None) -> Rendered:
    return Rendered("0" * 40, RepositoryRender(apps=apps), catalog or Catalog([]))


def dirty(before: Rendered, changed: list[str], idx: DependencyIndex, catalog: Catalog) -> object:
    return dirty_appfiles(before, changed, catalog=catalog, index=idx)


def test_an_appfile_and_its_overlay_reach_that_app_only() -> None:
    before = previous(app("shop"), app("blog"))
    idx = index(entry("shop"), entry("blog"))
    assert dirty(before, ["apps/shop/vela.yaml"], idx, Catalog([])) == {"apps/shop/vela.yaml"}
    assert dirty(before, ["apps/blog/vela.prod.yaml"], idx, Catalog([])) == {"apps/blog/vela.yaml"}


def test_a_changed_definition_reaches_its_users_and_a_revision_reader_every_commit() -> None:
    old = Catalog([trait("stamp", "1"), trait("alert", "1")])
    new = Catalog([trait("stamp", "2"), trait("alert", "1")])
    idx = index(entry("shop", "stamp"), entry("blog", "alert"), entry("news"))
    before = previous(app("shop"), app("blog"), app("news"), catalog=old)
    assert dirty(before, ["definitions/stamp.jsonnet"], idx, new) == {"apps/shop/vela.yaml"}

    reader = trait("alert", "1", template="function(parameter, context) {r: context.revision}")
    same = Catalog([trait("stamp", "1"), reader])
    assert changed_definitions(same, same) == {"alert"}
    assert dirty(previous(catalog=same), ["apps/news/vela.yaml"], idx, same) == {
        "apps/news/vela.yaml",
        "apps/blog/vela.yaml",
    }


def test_what_cannot_be_attributed_renders_everything() -> None:
    before = previous(app("shop"))
    idx = index(entry("shop"))
    assert dirty(before, [".gitops-vela-ignore"], idx, Catalog([])) is None
    assert dirty(before, ["config/values.json"], idx, Catalog([])) is None
    # a candidate that is no app (a values file the glob matches): any Appfile may read it
    values = AppEntry("", "apps/common/values.yaml", "blob", frozenset())
    with_values = DependencyIndex({**idx.entries, values.path: values})
    assert dirty(before, ["apps/common/values.yaml"], with_values, Catalog([])) is None


def test_an_app_whose_objects_hold_the_commit_is_rendered_again() -> None:
    holder = app("shop", config=f"settings-{SHA[:7]}")
    holder.objects[0]["data"] = {"revision": SHA}
    render = RepositoryRender(apps=(holder, app("blog")))
    assert bound_to(render, SHA) == {"apps/shop/vela.yaml"}
    before = Rendered(SHA, render, Catalog([]), bound_to(render, SHA))
    idx = index(entry("shop"), entry("blog"))
    assert dirty(before, ["apps/blog/vela.yaml"], idx, Catalog([])) == {
        "apps/shop/vela.yaml",
        "apps/blog/vela.yaml",
    }


def test_the_merge_keeps_the_others_and_drops_removed_appfiles() -> None:
    shop, blog, news = app("shop"), app("blog"), app("news")
    before = previous(shop, blog, news)
    fresh = RepositoryRender(apps=(app("shop"),))
    changed = frozenset({"apps/shop/vela.yaml", "apps/news/vela.yaml"})
    merged = merge(before, fresh, dirty=changed, index=index(entry("shop"), entry("blog")))
    assert merged is not None
    assert [a.name for a in merged.apps] == ["blog", "shop"]
    assert merged.apps[0] is blog and merged.apps[1] is fresh.apps[0]


def test_the_merge_refuses_what_only_a_whole_render_decides() -> None:
    before = previous(app("shop"), app("blog"))
    idx = index(entry("shop"), entry("blog"))
    shop = frozenset({"apps/shop/vela.yaml"})
    # a duplicate name: the render answers for an Appfile that was not to change
    duplicate = AppFailure("acme", "blog", "apps/blog/vela.yaml", ())
    assert (
        merge(before, RepositoryRender(apps=(), failures=(duplicate,)), dirty=shop, index=idx)
        is None
    )
    # the changed app now renders the other's object
    taker = RepositoryRender(apps=(app("shop", config="blog"),))
    assert merge(before, taker, dirty=shop, index=idx) is None
    # the changed Appfile got no answer at all (a failure without a name)
    assert merge(before, RepositoryRender(apps=()), dirty=shop, index=idx) is None


def test_a_changed_appfile_taking_a_name_another_one_uses_renders_everything() -> None:
    """The changed Appfiles are loaded alone: whether two share a name is the whole
    render's to say (both fail as duplicates)."""
    before = previous(app("shop"), app("blog"))
    taker = AppEntry("blog", "apps/shop/vela.yaml", "blob", frozenset())
    idx = index(taker, entry("blog"))
    shop = frozenset({"apps/shop/vela.yaml"})
    fresh = RepositoryRender(apps=(replace(app("blog"), path="apps/shop/vela.yaml"),))
    assert merge(before, fresh, dirty=shop, index=idx) is None
    # a name a broken, unchanged Appfile still holds
    broken = AppFailure("acme", "blog", "apps/blog/vela.yaml", ())
    kept = Rendered(SHA, RepositoryRender(apps=(app("shop"),), failures=(broken,)), Catalog([]))
    nameless = AppEntry("", "apps/blog/vela.yaml", "blob", frozenset())
    assert merge(kept, fresh, dirty=shop, index=index(taker, nameless)) is None
    # a rename to a free name merges
    store = AppEntry("store", "apps/shop/vela.yaml", "blob", frozenset())
    fresh = RepositoryRender(apps=(replace(app("store"), path="apps/shop/vela.yaml"),))
    merged = merge(before, fresh, dirty=shop, index=index(store, entry("blog")))
    assert merged is not None and [a.name for a in merged.apps] == ["blog", "store"]
