"""/openapi/v2 and /openapi/v3 carry the release's real definitions."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from vela_emulator import Emulator, apidocs


def _get(emulator: Emulator, path: str) -> Any:
    with urllib.request.urlopen(emulator.url + path) as answer:
        return json.loads(answer.read())


def test_v3_document_has_the_real_deployment_spec(emulator: Emulator) -> None:
    index = _get(emulator, "/openapi/v3")
    doc = _get(emulator, index["paths"]["apis/apps/v1"]["serverRelativeURL"])
    schemas = doc["components"]["schemas"]
    spec = schemas["io.k8s.api.apps.v1.DeploymentSpec"]
    replicas = spec["properties"]["replicas"]
    assert replicas["type"] == "integer" and replicas["format"] == "int32"
    assert replicas["description"].startswith("Number of desired pods.")
    containers = schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}
    gvk = schemas["io.k8s.api.apps.v1.Deployment"]["x-kubernetes-group-version-kind"]
    assert {"group": "apps", "version": "v1", "kind": "Deployment"} in gvk


def test_v2_is_served_with_every_definition(emulator: Emulator) -> None:
    doc = _get(emulator, "/openapi/v2")
    assert doc["swagger"] == "2.0"
    port = doc["definitions"]["io.k8s.api.core.v1.ServicePort"]["properties"]["targetPort"]
    assert port == {
        "$ref": "#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        "description": port["description"],
    }
    assert doc["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] == {
        "type": "string",
        "format": "int-or-string",
    }


def test_json_schema_types_become_openapi_types() -> None:
    schema = {"type": ["integer", "null"], "enum": ["a", None], "items": {"$ref": "#/$defs/X"}}
    assert apidocs.convert(schema, apidocs.V3_REFS) == {
        "type": "integer",
        "enum": ["a"],
        "items": {"$ref": "#/components/schemas/X"},
    }
