"""Inventory encoding, the stale set, and the guards that keep pruning safe."""

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.model.objects import ObjectRef
from gitops_vela.sync.inventory import Inventory, configmap_name, decode
from gitops_vela.sync.prune import guard, stale

WEB = ObjectRef("apps", "Deployment", "shop", "web", "v1")
ING = ObjectRef("networking.k8s.io", "Ingress", "shop", "web", "v1")
NS = ObjectRef("", "Namespace", "", "shop", "v1")


def test_an_inventory_round_trips_through_its_configmap() -> None:
    inv = Inventory("acme", "shop", "shop", frozenset({WEB, NS}))
    cm = inv.to_configmap("gitops-vela-system")
    assert cm["metadata"]["name"] == "inventory.acme.shop"
    assert cm["data"]["objects"].splitlines() == [
        "apps/v1 Deployment shop web",
        "v1 Namespace - shop",
    ]
    back = decode(cm)
    assert back == inv and back is not None
    assert {r.version for r in back.objects} == {"v1"}  # kept, to delete with the right version


def test_names_that_are_not_dns_safe_are_cleaned_and_kept_unique() -> None:
    assert configmap_name("Acme_Repo.shop") != configmap_name("acme-repo.shop")
    assert configmap_name("Acme_Repo.shop").startswith("inventory.acme-repo.shop-")


def test_stale_is_old_minus_wanted_and_never_the_protected() -> None:
    old = {WEB, ING, NS}
    assert set(stale(old, wanted={WEB}, protected={NS})) == {ING}


def test_guards_say_why_nothing_is_pruned() -> None:
    ok = {"prune": True, "render_failed": False, "apply_failed": False, "desired_count": 3}
    assert guard(**ok) == ""
    assert guard(**{**ok, "prune": False}) == "prune is off"
    assert "failed to load or render" in guard(**{**ok, "render_failed": True})
    assert "apply failed" in guard(**{**ok, "apply_failed": True})
    assert "never pruned to zero" in guard(**{**ok, "desired_count": 0})


def test_read_all_decodes_a_configmap_once_per_version(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """10,000 inventories are read on every run that plans an app: only new versions
    are decoded, and a changed one is read as it is now."""
    from gitops_vela.sync import inventory as inv

    ns = "gitops-vela-system"
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    web = ObjectRef("apps", "Deployment", "shop", "web", "v1")
    for app in ("shop", "cart"):
        inv.write(cluster, Inventory("acme", app, "shop", frozenset({web})), namespace=ns)
    decoded: list[str] = []
    real = inv.decode

    def counting(configmap: dict) -> Inventory | None:  # type: ignore[type-arg]
        decoded.append(configmap["metadata"]["name"])
        return real(configmap)

    monkeypatch.setattr(inv, "decode", counting)
    first = inv.read_all(cluster, namespace=ns)
    assert set(first) == {"acme.shop", "acme.cart"} and len(decoded) == 2
    assert inv.read_all(cluster, namespace=ns) == first and len(decoded) == 2

    inv.write(cluster, Inventory("acme", "cart", "shop", frozenset()), namespace=ns)
    again = inv.read_all(cluster, namespace=ns)
    assert decoded[2:] == [configmap_name("acme.cart")]
    assert again["acme.cart"].objects == frozenset() and again["acme.shop"] == first["acme.shop"]
