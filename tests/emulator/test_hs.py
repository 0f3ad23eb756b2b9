"""HTTP-services router: 1C's 404/405, URL parameters, status pass-through."""

from __future__ import annotations

import httpx2
import pytest

from onec_bridge.emulator.hs import HsRequest, HsResponse, HttpService, HttpServicesRouter


async def product(request: HsRequest) -> HsResponse:
    return HsResponse.json(200, {"id": request.url_params["id"], "q": request.query.get("q")})


async def created(request: HsRequest) -> HsResponse:
    return HsResponse.json(201, request.json())


async def teapot(request: HsRequest) -> HsResponse:
    return HsResponse.text(418, "чайник")


async def broken(request: HsRequest) -> HsResponse:
    raise RuntimeError("Не удалось записать документ")


def make_client() -> httpx2.AsyncClient:
    service = HttpService("shop")
    service.add("/products/{id}", "GET", product)
    service.add("/orders", "POST", created)
    service.add("/teapot", "GET", teapot)
    service.add("/broken", "GET", broken)
    router = HttpServicesRouter([service])
    return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=router), base_url="http://1c")


async def test_template_parameters_and_query_reach_the_handler() -> None:
    async with make_client() as client:
        response = await client.get("/base/hs/shop/products/42", params={"q": "стол"})
    assert response.json() == {"id": "42", "q": "стол"}


async def test_unknown_root_and_unknown_template_are_404() -> None:
    async with make_client() as client:
        no_root = await client.get("/base/hs/nowhere/products/1")
        no_template = await client.get("/base/hs/shop/customers")
    assert no_root.status_code == 404
    assert no_template.status_code == 404
    assert "/customers" in no_template.text


async def test_wrong_method_is_405_with_allow() -> None:
    async with make_client() as client:
        response = await client.delete("/base/hs/shop/orders")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_handler_status_and_body_pass_through() -> None:
    async with make_client() as client:
        posted = await client.post("/base/hs/shop/orders", json={"n": 1})
        odd = await client.get("/base/hs/shop/teapot")
    assert (posted.status_code, posted.json()) == (201, {"n": 1})
    assert (odd.status_code, odd.text) == (418, "чайник")


async def test_handler_exception_is_500_with_its_text() -> None:
    async with make_client() as client:
        response = await client.get("/base/hs/shop/broken")
    assert response.status_code == 500
    assert "Не удалось записать документ" in response.text


def test_template_must_start_with_slash() -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        HttpService("shop").add("products", "GET", product)
