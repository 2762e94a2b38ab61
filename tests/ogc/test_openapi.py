"""The API documents are valid OpenAPI of the version they declare, and say so in their media type."""

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator


@pytest.mark.parametrize("url", ["/api", "/ogc/api"])
def test_the_api_document_validates_as_the_openapi_version_it_declares(client: TestClient, url: str) -> None:
    response = client.get(url)
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert response.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.1"
    validate(document, cls=OpenAPIV31SpecValidator)


def test_a_client_that_takes_only_openapi_30_or_json_gets_json_not_a_false_30(client: TestClient) -> None:
    accept = "application/vnd.oai.openapi+json;version=3.0, application/json"
    response = client.get("/ogc/api", headers={"Accept": accept})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["openapi"].startswith("3.1")


def test_the_ogc_document_declares_every_items_parameter_per_collection(client: TestClient) -> None:
    paths = client.get("/ogc/api").json()["paths"]
    for collection in ("projects", "projects-points", "projects-lines", "projects-areas", "towns", "county"):
        names = {p["name"] for p in paths[f"/collections/{collection}/items"]["get"]["parameters"]}
        assert {"limit", "bbox", "datetime", "filter", "filter-lang"} <= names, collection
        queryables = client.get(f"/ogc/collections/{collection}/queryables").json()["properties"]
        assert set(queryables) - {"geometry"} <= names, collection
