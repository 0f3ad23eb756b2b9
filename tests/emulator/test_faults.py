"""FaultMiddleware in-process around a small Starlette app standing in for 1C."""

from __future__ import annotations

import json

import httpx2
import pytest
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from onec_bridge.emulator.fault_plan import FaultPlan
from onec_bridge.emulator.faults import CONTROL_CHAR, FaultMiddleware

ROOT = "/base/odata/standard.odata"
ROWS = [
    {"Ref_Key": f"00000000-0000-0000-0000-{i:012d}", "Description": f"Товар {i}"} for i in range(50)
]
ATOM = (
    '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
    'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">'
    "<entry><content><m:properties><d:Code>0001</d:Code><d:Description>Стол</d:Description>"
    "</m:properties></content></entry></feed>"
)
METADATA = (
    '<?xml version="1.0" encoding="UTF-8"?><edmx:Edmx '
    'xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0"><edmx:DataServices>'
    '<Schema xmlns="http://schemas.microsoft.com/ado/2009/11/edm" Namespace="StandardODATA">'
    '<EntityContainer Name="EnterpriseV8"/></Schema></edmx:DataServices></edmx:Edmx>'
)


async def catalog(request: Request) -> Response:
    if request.query_params.get("$format") == "json":
        return JSONResponse({"odata.metadata": f"{ROOT}/$metadata#Catalog_X", "value": ROWS})
    return Response(ATOM, media_type="application/atom+xml")


async def metadata(request: Request) -> Response:
    return Response(METADATA, media_type="application/xml")


def make_app() -> Starlette:
    routes = [Route(f"{ROOT}/Catalog_X", catalog), Route(f"{ROOT}/$metadata", metadata)]
    return Starlette(routes=routes)


def client_for(middleware: FaultMiddleware) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=middleware), base_url="http://1c")


async def test_empty_plan_passes_everything_through() -> None:
    async with client_for(FaultMiddleware(make_app())) as client:
        response = await client.get(f"{ROOT}/Catalog_X?$format=json")
    assert response.status_code == 200
    assert response.json()["value"] == ROWS


async def test_error_rate_answers_1c_internal_error_in_negotiated_format() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("error_rate=1"))
    async with client_for(middleware) as client:
        as_json = await client.get(f"{ROOT}/Catalog_X?$format=json")
        as_xml = await client.get(f"{ROOT}/Catalog_X")
    assert as_json.status_code == 500
    assert as_json.json()["odata.error"]["code"] == "-1"
    assert "внутренняя ошибка" in as_json.json()["odata.error"]["message"]["value"]
    assert as_xml.status_code == 500
    code = etree.fromstring(as_xml.content).findtext(
        "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}code"
    )
    assert code == "-1"
    assert middleware.injected["error"] == 2


async def test_gateway_errors_are_html_502_or_503_from_the_web_server() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("seed=2,gateway_error_rate=1"))
    async with client_for(middleware) as client:
        responses = [await client.get(f"{ROOT}/Catalog_X?n={i}") for i in range(20)]
    assert {r.status_code for r in responses} == {502, 503}
    assert all(r.headers["content-type"].startswith("text/html") for r in responses)


async def test_throttle_gives_429_with_retry_after_seconds() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("throttle_rate=1,retry_after=7"))
    async with client_for(middleware) as client:
        response = await client.get(f"{ROOT}/Catalog_X")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"


async def test_truncated_json_keeps_status_and_cuts_the_body() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("truncate_rate=1"))
    async with client_for(middleware) as client:
        response = await client.get(f"{ROOT}/Catalog_X?$format=json")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_control_char_lands_inside_a_json_string_value() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("control_char_rate=1"))
    async with client_for(middleware) as client:
        response = await client.get(f"{ROOT}/Catalog_X?$format=json")
    assert response.content.count(CONTROL_CHAR) == 1
    with pytest.raises(json.JSONDecodeError, match="control character"):
        json.loads(response.content)
    lenient = json.loads(response.content, strict=False)
    strings = [v for row in lenient["value"] for v in row.values()] + [lenient["odata.metadata"]]
    assert sum(CONTROL_CHAR.decode() in value for value in strings) == 1


async def test_control_char_breaks_an_atom_body() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("control_char_rate=1"))
    async with client_for(middleware) as client:
        response = await client.get(f"{ROOT}/Catalog_X")
    assert CONTROL_CHAR in response.content
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)


async def test_metadata_is_padded_to_size_and_stays_valid_xml() -> None:
    plan = FaultPlan.parse("path=*/$metadata,metadata_size=2MB")
    async with client_for(FaultMiddleware(make_app(), plan)) as client:
        response = await client.get(f"{ROOT}/$metadata")
        catalog_response = await client.get(f"{ROOT}/Catalog_X")
    assert len(response.content) >= 2 * 1024 * 1024
    schema = etree.fromstring(response.content).find(".//{*}Schema")
    assert schema is not None
    assert len(schema.findall("{*}EntityType")) > 1000
    assert schema.find("{*}EntityContainer") is not None
    assert catalog_response.content == ATOM.encode()


async def test_latency_counts_and_set_plan_starts_a_new_run() -> None:
    middleware = FaultMiddleware(make_app(), FaultPlan.parse("latency=1ms,error_rate=1"))
    async with client_for(middleware) as client:
        assert (await client.get(f"{ROOT}/Catalog_X")).status_code == 500
        assert middleware.injected == {"latency": 1, "error": 1}
        middleware.set_plan(FaultPlan.parse("path=/nowhere,error_rate=1"))
        assert middleware.injected == {}
        assert (await client.get(f"{ROOT}/Catalog_X")).status_code == 200
        middleware.clear()
        assert middleware.plan.is_empty()


async def test_same_seed_replays_the_same_faults_after_set_plan() -> None:
    plan = FaultPlan.parse("seed=11,error_rate=0.5")
    middleware = FaultMiddleware(make_app(), plan)

    async def statuses() -> list[int]:
        async with client_for(middleware) as client:
            return [(await client.get(f"{ROOT}/Catalog_X")).status_code for _ in range(30)]

    first = await statuses()
    middleware.set_plan(plan)
    assert await statuses() == first
    assert set(first) == {200, 500}
