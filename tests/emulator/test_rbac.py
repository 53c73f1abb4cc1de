"""The emulator's RBAC: impersonated requests and token users obey Roles and bindings, as the
apiserver's RBAC authorizer decides; the admin (the default kubeconfig) stays all-powerful."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl
from vela_emulator.rbac import Attributes, authorize
from vela_emulator.store import Store
from vela_emulator.user import UserInfo

from .helpers import configmap, deployment

SA = "system:serviceaccount:team-a:deployer"
RBAC = "rbac.authorization.k8s.io/v1"


def call(
    emu: Emulator,
    method: str,
    path: str,
    body: Any = None,
    *,
    as_user: str = "",
    as_groups: tuple[str, ...] = (),
    token: str = "emulator",
    content_type: str = "application/json",
) -> tuple[int, Any]:
    request = urllib.request.Request(emu.url + path, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", content_type)
    if as_user:
        request.add_header("Impersonate-User", as_user)
    for group in as_groups:
        request.add_header("Impersonate-Group", group)
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(request, data=data, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def create(emu: Emulator, *objs: dict[str, Any]) -> None:
    """Create objects as the admin through kubectl-free plain POSTs."""
    for obj in objs:
        group_version = obj["apiVersion"]
        base = f"/api/{group_version}" if "/" not in group_version else f"/apis/{group_version}"
        plural = {
            "Role": "roles",
            "RoleBinding": "rolebindings",
            "ClusterRole": "clusterroles",
            "ClusterRoleBinding": "clusterrolebindings",
            "Namespace": "namespaces",
            "ServiceAccount": "serviceaccounts",
        }[obj["kind"]]
        namespace = obj["metadata"].get("namespace")
        path = f"{base}/namespaces/{namespace}/{plural}" if namespace else f"{base}/{plural}"
        status, answer = call(emu, "POST", path, obj)
        assert status == 201, answer


def role(name: str, namespace: str, *rules: dict[str, Any], kind: str = "Role") -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return {"apiVersion": RBAC, "kind": kind, "metadata": meta, "rules": list(rules)}


def binding(
    name: str, namespace: str, role_kind: str, role_name: str, *subjects: dict[str, Any]
) -> dict[str, Any]:
    kind = "RoleBinding" if namespace else "ClusterRoleBinding"
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": list(subjects),
    }


def sa_subject(name: str = "deployer", namespace: str = "team-a") -> dict[str, Any]:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def rule(verbs: list[str], groups: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"verbs": verbs, "apiGroups": groups, "resources": resources, **extra}


@pytest.fixture
def team_a(emulator: Emulator) -> Emulator:
    """Namespaces team-a and team-b; deployer may manage Deployments and ConfigMaps in team-a."""
    for ns in ("team-a", "team-b"):
        create(emulator, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
    create(
        emulator,
        role(
            "deployer",
            "team-a",
            rule(["get", "list", "watch", "create", "patch"], ["apps"], ["deployments"]),
            rule(["get", "create", "patch"], [""], ["configmaps"]),
        ),
        binding("deployer", "team-a", "Role", "deployer", sa_subject()),
    )
    return emulator


# ----- through the HTTP API ----------------------------------------------------------------------


def test_impersonated_request_is_allowed_by_its_role_binding(team_a: Emulator) -> None:
    status, answer = call(
        team_a,
        "POST",
        "/apis/apps/v1/namespaces/team-a/deployments",
        deployment("web", "team-a"),
        as_user=SA,
    )
    assert status == 201, answer


def test_impersonated_request_outside_its_rights_gets_the_apiservers_403(team_a: Emulator) -> None:
    crb = binding("grab", "", "ClusterRole", "cluster-admin", sa_subject())
    status, answer = call(
        team_a, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", crb, as_user=SA
    )
    assert status == 403
    assert answer["reason"] == "Forbidden"
    assert answer["message"] == (
        "clusterrolebindings.rbac.authorization.k8s.io is forbidden: "
        f'User "{SA}" cannot create resource "clusterrolebindings" in API group '
        '"rbac.authorization.k8s.io" at the cluster scope'
    )
    assert answer["details"] == {
        "group": "rbac.authorization.k8s.io",
        "kind": "clusterrolebindings",
    }
    status, answer = call(
        team_a,
        "GET",
        "/apis/apps/v1/namespaces/team-b/deployments/web",
        as_user=SA,
    )
    assert (status, answer["message"]) == (
        403,
        'deployments.apps "web" is forbidden: '
        f'User "{SA}" cannot get resource "deployments" in API group "apps" in the namespace "team-b"',
    )
    # nothing was created by the refused request
    status, _ = call(team_a, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/grab")
    assert status == 404


def test_apply_that_creates_also_needs_create(team_a: Emulator) -> None:
    create(
        team_a,
        role("patcher", "team-a", rule(["get", "patch"], [""], ["secrets"])),
        binding("patcher", "team-a", "Role", "patcher", sa_subject()),
    )
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "team-a"},
        "stringData": {"k": "v"},
    }
    path = "/api/v1/namespaces/team-a/secrets/s?fieldManager=t&force=true"
    status, answer = call(
        team_a, "PATCH", path, secret, as_user=SA, content_type="application/apply-patch+yaml"
    )
    assert (status, answer["message"]) == (403, 'secrets "s" is forbidden: ')
    assert call(team_a, "GET", "/api/v1/namespaces/team-a/secrets/s")[0] == 404
    # once it exists, patch alone is enough
    assert (
        call(team_a, "PATCH", path, secret, content_type="application/apply-patch+yaml")[0] == 201
    )
    status, _ = call(
        team_a, "PATCH", path, secret, as_user=SA, content_type="application/apply-patch+yaml"
    )
    assert status == 200


def test_the_caller_needs_the_impersonate_verb(team_a: Emulator) -> None:
    daemon = "system:serviceaccount:gitops-vela:gitops-vela"
    token = team_a.users.add(daemon)
    status, answer = call(team_a, "GET", "/api/v1/namespaces/team-a/configmaps", token=token)
    assert (
        status == 403 and f'User "{daemon}" cannot list resource "configmaps"' in answer["message"]
    )
    status, answer = call(
        team_a, "GET", "/api/v1/namespaces/team-a/configmaps/x", token=token, as_user=SA
    )
    assert (status, answer["message"]) == (
        403,
        'serviceaccounts "deployer" is forbidden: '
        f'User "{daemon}" cannot impersonate resource "serviceaccounts" in API group "" '
        'in the namespace "team-a"',
    )
    create(
        team_a,
        role(
            "impersonate-tenants",
            "",
            rule(["impersonate"], [""], ["serviceaccounts"], resourceNames=["deployer"]),
            kind="ClusterRole",
        ),
        binding(
            "impersonate-tenants",
            "",
            "ClusterRole",
            "impersonate-tenants",
            sa_subject("gitops-vela", "gitops-vela"),
        ),
    )
    status, answer = call(
        team_a,
        "POST",
        "/api/v1/namespaces/team-a/configmaps",
        configmap("c", "team-a", {}),
        token=token,
        as_user=SA,
    )
    assert status == 201, answer
    # resourceNames: only that ServiceAccount; and groups need their own grant
    other = "system:serviceaccount:team-a:other"
    assert call(team_a, "GET", "/api", token=token, as_user=other)[0] == 403
    status, answer = call(
        team_a, "GET", "/api", token=token, as_user=SA, as_groups=("system:masters",)
    )
    assert status == 403 and 'cannot impersonate resource "groups"' in answer["message"]


def test_unknown_token_is_unauthorized(team_a: Emulator) -> None:
    status, answer = call(team_a, "GET", "/api/v1/namespaces", token="not-a-token")
    assert (status, answer["reason"], answer["message"]) == (401, "Unauthorized", "Unauthorized")


def test_discovery_is_open_to_every_authenticated_user(team_a: Emulator) -> None:
    for path in ("/api", "/apis", "/version", "/apis/apps/v1", "/openapi/v2"):
        assert call(team_a, "GET", path, as_user=SA)[0] == 200, path


def test_missing_role_is_named_in_the_reason(team_a: Emulator) -> None:
    create(team_a, binding("dangling", "team-a", "ClusterRole", "does-not-exist", sa_subject()))
    status, answer = call(team_a, "GET", "/api/v1/namespaces/team-a/secrets", as_user=SA)
    assert status == 403
    assert answer["message"].endswith(
        ': RBAC: clusterrole.rbac.authorization.k8s.io "does-not-exist" not found'
    )


# ----- kubectl auth can-i (the reviews) ----------------------------------------------------------


def test_kubectl_auth_can_i_tells_the_truth(team_a: Emulator) -> None:
    kubectl = Kubectl(team_a.kubeconfig_path)

    def can_i(*args: str) -> tuple[int, str]:
        done = kubectl.run("auth", "can-i", "--as", SA, *args)
        return done.returncode, done.stdout.strip()

    assert can_i("create", "deployments", "-n", "team-a") == (0, "yes")
    assert can_i("create", "deployments.apps", "-n", "team-b") == (1, "no")
    assert can_i("delete", "deployments", "-n", "team-a") == (1, "no")
    assert can_i("create", "clusterrolebindings") == (1, "no")
    assert can_i("create", "selfsubjectaccessreviews") == (0, "yes")  # system:basic-user
    # the admin may do anything; a SubjectAccessReview asks about someone else
    assert kubectl.run("auth", "can-i", "create", "clusterrolebindings").stdout.strip() == "yes"
    listing = kubectl("auth", "can-i", "--list", "--as", SA, "-n", "team-a")
    assert "deployments.apps" in listing and "configmaps" in listing
    status, answer = call(
        team_a,
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": SA,
                "groups": ["system:serviceaccounts"],
                "resourceAttributes": {
                    "verb": "patch",
                    "group": "apps",
                    "resource": "deployments",
                    "namespace": "team-a",
                },
            },
        },
    )
    assert status == 201
    assert answer["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by RoleBinding "deployer/team-a" of Role "deployer" to '
        'ServiceAccount "deployer/team-a"',
    }


def test_namespace_reads_are_in_that_namespace(team_a: Emulator) -> None:
    create(
        team_a,
        role("ns-reader", "", rule(["get"], [""], ["namespaces"]), kind="ClusterRole"),
        binding("read-own-ns", "team-a", "ClusterRole", "ns-reader", sa_subject()),
    )
    assert call(team_a, "GET", "/api/v1/namespaces/team-a", as_user=SA)[0] == 200
    status, answer = call(team_a, "GET", "/api/v1/namespaces/team-b", as_user=SA)
    assert (status, answer["message"]) == (
        403,
        'namespaces "team-b" is forbidden: '
        f'User "{SA}" cannot get resource "namespaces" in API group "" in the namespace "team-b"',
    )


# ----- the rules, on the authorizer itself -------------------------------------------------------


def _store(*objs: dict[str, Any]) -> Store:
    store = Store()
    with store.lock:
        for obj in objs:
            key = ("rbac.authorization.k8s.io", obj["kind"].lower() + "s")
            store.put(key, json.loads(json.dumps(obj)))
    return store


USER = UserInfo(
    SA, ("system:serviceaccounts", "system:serviceaccounts:team-a", "system:authenticated")
)


def _allowed(store: Store, verb: str, resource: str, **kw: Any) -> bool:
    return authorize(store, Attributes(USER, verb, resource=resource, **kw)).allowed


@pytest.mark.parametrize(
    ("rules", "verb", "attrs", "allowed"),
    [
        ([rule(["get"], [""], ["pods"])], "get", {"resource": "pods"}, True),
        ([rule(["get"], [""], ["pods"])], "list", {"resource": "pods"}, False),
        ([rule(["*"], ["*"], ["*"])], "delete", {"resource": "x", "group": "g"}, True),
        ([rule(["get"], ["apps"], ["pods"])], "get", {"resource": "pods"}, False),
        ([rule(["get"], [""], ["pods"])], "get", {"resource": "pods", "subresource": "log"}, False),
        (
            [rule(["get"], [""], ["pods/log"])],
            "get",
            {"resource": "pods", "subresource": "log"},
            True,
        ),
        ([rule(["get"], [""], ["*/log"])], "get", {"resource": "pods", "subresource": "log"}, True),
        ([rule(["get"], [""], ["*/log"])], "get", {"resource": "pods"}, False),
        (
            [rule(["get"], [""], ["cm"], resourceNames=["a"])],
            "get",
            {"resource": "cm", "name": "a"},
            True,
        ),
        (
            [rule(["get"], [""], ["cm"], resourceNames=["a"])],
            "get",
            {"resource": "cm", "name": "b"},
            False,
        ),
        # a create has no name yet: resourceNames never allow it
        (
            [rule(["create"], [""], ["cm"], resourceNames=["a"])],
            "create",
            {"resource": "cm"},
            False,
        ),
    ],
)
def test_rule_matching(rules: list[Any], verb: str, attrs: dict[str, Any], allowed: bool) -> None:
    store = _store(
        role("r", "", *rules, kind="ClusterRole"),
        binding("b", "", "ClusterRole", "r", {"kind": "Group", "name": "system:authenticated"}),
    )
    assert _allowed(store, verb, **attrs) is allowed


@pytest.mark.parametrize(
    ("subject", "allowed"),
    [
        ({"kind": "ServiceAccount", "name": "deployer", "namespace": "team-a"}, True),
        ({"kind": "ServiceAccount", "name": "deployer", "namespace": "team-b"}, False),
        ({"kind": "ServiceAccount", "name": "deployer"}, True),  # the RoleBinding's namespace
        ({"kind": "User", "name": SA}, True),
        ({"kind": "User", "name": "deployer"}, False),
        ({"kind": "Group", "name": "system:serviceaccounts"}, True),
        ({"kind": "Group", "name": "system:serviceaccounts:team-a"}, True),
        ({"kind": "Group", "name": "system:serviceaccounts:team-b"}, False),
    ],
)
def test_subjects(subject: dict[str, Any], allowed: bool) -> None:
    store = _store(
        role("r", "team-a", rule(["get"], [""], ["pods"])),
        binding("b", "team-a", "Role", "r", subject),
    )
    assert _allowed(store, "get", "pods", namespace="team-a") is allowed


def test_role_bindings_reach_only_their_namespace_even_to_a_cluster_role() -> None:
    store = _store(
        role("edit", "", rule(["*"], ["*"], ["*"]), kind="ClusterRole"),
        binding("b", "team-a", "ClusterRole", "edit", sa_subject()),
    )
    assert _allowed(store, "delete", "pods", namespace="team-a")
    assert not _allowed(store, "delete", "pods", namespace="team-b")
    assert not _allowed(store, "delete", "namespaces")  # cluster scope


def test_aggregated_cluster_roles_take_the_rules_of_the_roles_they_select() -> None:
    aggregate = role("view", "", kind="ClusterRole")
    aggregate["aggregationRule"] = {
        "clusterRoleSelectors": [{"matchLabels": {"aggregate-to-view": "true"}}]
    }
    part = role("view-widgets", "", rule(["get"], ["x.io"], ["widgets"]), kind="ClusterRole")
    part["metadata"]["labels"] = {"aggregate-to-view": "true"}
    store = _store(aggregate, part, binding("b", "", "ClusterRole", "view", sa_subject()))
    assert _allowed(store, "get", "widgets", group="x.io")
    assert not _allowed(store, "get", "gadgets", group="x.io")


def test_watch_and_single_name_lists_are_authorized_like_the_apiserver(team_a: Emulator) -> None:
    create(
        team_a,
        role("one", "team-b", rule(["list", "watch"], [""], ["configmaps"], resourceNames=["a"])),
        binding("one", "team-b", "Role", "one", sa_subject()),
    )
    base = "/api/v1/namespaces/team-b/configmaps"
    assert call(team_a, "GET", f"{base}?fieldSelector=metadata.name%3Da", as_user=SA)[0] == 200
    status, answer = call(team_a, "GET", f"{base}?fieldSelector=metadata.name%3Db", as_user=SA)
    assert (status, answer["details"]) == (403, {"name": "b", "kind": "configmaps"})
    status, answer = call(team_a, "GET", f"{base}?watch=true", as_user=SA)
    assert status == 403 and 'cannot watch resource "configmaps"' in answer["message"]


def test_impersonating_a_user_and_groups(team_a: Emulator) -> None:
    create(
        team_a,
        role("read", "team-a", rule(["get", "list"], [""], ["configmaps"])),
        binding("alice", "team-a", "Role", "read", {"kind": "User", "name": "alice"}),
        binding("devs", "team-a", "Role", "read", {"kind": "Group", "name": "devs"}),
    )
    path = "/api/v1/namespaces/team-a/configmaps"
    assert call(team_a, "GET", path, as_user="alice")[0] == 200
    assert call(team_a, "GET", path, as_user="bob")[0] == 403
    assert call(team_a, "GET", path, as_user="bob", as_groups=("devs",))[0] == 200
    # groups without a user are refused before anything else
    request_groups_only = urllib.request.Request(team_a.url + path)
    request_groups_only.add_header("Impersonate-Group", "devs")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request_groups_only, timeout=10)
    assert "without impersonating a user" in json.loads(err.value.read())["message"]
    # a token user needs impersonate on users (and on groups for each group asked)
    token = team_a.users.add("carol")
    status, answer = call(team_a, "GET", path, token=token, as_user="alice")
    assert (status, answer["message"]) == (
        403,
        'users "alice" is forbidden: User "carol" cannot impersonate resource "users" in API group'
        ' "" at the cluster scope',
    )


def test_no_one_grants_what_they_do_not_hold(team_a: Emulator) -> None:
    """RBAC's escalation check: a Role or binding may grant only what its author holds,
    unless the author may ``escalate`` (roles) or ``bind`` (that role)."""
    rbac_path = "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a"
    create(
        team_a,
        role(
            "rbac-manager",
            "team-a",
            rule(
                ["create", "update", "patch"],
                ["rbac.authorization.k8s.io"],
                ["roles", "rolebindings"],
            ),
        ),
        binding("rbac-manager", "team-a", "Role", "rbac-manager", sa_subject()),
        role("cluster-admin", "", rule(["*"], ["*"], ["*"]), kind="ClusterRole"),
    )
    wider = role("peek", "team-a", rule(["get"], [""], ["secrets"]))
    status, answer = call(team_a, "POST", f"{rbac_path}/roles", wider, as_user=SA)
    groups = '"system:serviceaccounts" "system:serviceaccounts:team-a" "system:authenticated"'
    assert (status, answer["message"]) == (
        403,
        'roles.rbac.authorization.k8s.io "peek" is forbidden: '
        f'user "{SA}" (groups=[{groups}]) is attempting to grant RBAC permissions not currently '
        'held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    )
    held = role("cm-reader", "team-a", rule(["get"], [""], ["configmaps"]))
    assert call(team_a, "POST", f"{rbac_path}/roles", held, as_user=SA)[0] == 201
    grab = binding("grab", "team-a", "ClusterRole", "cluster-admin", sa_subject())
    status, answer = call(team_a, "POST", f"{rbac_path}/rolebindings", grab, as_user=SA)
    assert status == 403 and "not currently held" in answer["message"]
    # bind on that one role waives it
    create(
        team_a,
        role(
            "binder",
            "team-a",
            rule(
                ["bind"],
                ["rbac.authorization.k8s.io"],
                ["clusterroles"],
                resourceNames=["cluster-admin"],
            ),
        ),
        binding("binder", "team-a", "Role", "binder", sa_subject()),
    )
    assert call(team_a, "POST", f"{rbac_path}/rolebindings", grab, as_user=SA)[0] == 201
