"""Basic auth as 1C does it (UTF-8, 401 + WWW-Authenticate) and the real-socket server."""

from __future__ import annotations

import base64

import httpx2
import pytest

from onec_bridge.emulator import (
    ITEMS_SET,
    EmulatorBase,
    EmulatorSettings,
    create_app,
    generate_demo_base,
    run_in_thread,
)
from tests.emulator.emulator_helpers import basic_auth

ROOT = "http://onec.test/demo/odata/standard.odata/"


def _client(base: EmulatorBase, settings: EmulatorSettings) -> httpx2.AsyncClient:
    transport = httpx2.ASGITransport(app=create_app(base, settings))
    return httpx2.AsyncClient(transport=transport, base_url=ROOT)


@pytest.fixture(scope="module")
def small_base() -> EmulatorBase:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=20, seed=1)
    return base


async def test_cyrillic_user_and_password(small_base: EmulatorBase) -> None:
    settings = EmulatorSettings(users={"Кассир Иванова": "пароль№1"})
    async with _client(small_base, settings) as http:
        ok = await http.get(
            f"{ITEMS_SET}?$format=json&$top=1",
            headers={"Authorization": basic_auth("Кассир Иванова", "пароль№1")},
        )
        assert ok.status_code == 200
        cp1251 = base64.b64encode("Кассир Иванова:пароль№1".encode("cp1251")).decode()
        legacy = await http.get(
            f"{ITEMS_SET}?$format=json", headers={"Authorization": f"Basic {cp1251}"}
        )
        assert legacy.status_code == 401  # 1C decodes credentials as UTF-8


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        basic_auth("Администратор", "wrong"),
        basic_auth("Никто", "demo"),
        "Bearer x",
        "Basic !!",
    ],
)
async def test_missing_or_wrong_credentials(
    small_base: EmulatorBase, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    async with _client(small_base, EmulatorSettings()) as http:
        response = await http.get(f"{ITEMS_SET}?$format=json", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Basic realm="1C"'
    assert response.json()["odata.error"]["code"] == "20"


async def test_401_in_atom_is_an_xml_error(small_base: EmulatorBase) -> None:
    async with _client(small_base, EmulatorSettings()) as http:
        response = await http.get(ITEMS_SET)
    assert response.status_code == 401
    assert b"<m:code>20</m:code>" in response.content


def test_passwords_stay_out_of_reprs() -> None:
    settings = EmulatorSettings(users={"u": "s3cret-pw"}, admin_token="t0ken-xyz")
    text = repr(settings)
    assert "s3cret-pw" not in text
    assert "t0ken-xyz" not in text
    app = create_app(EmulatorBase.open(None), settings)
    assert "s3cret-pw" not in repr(app._app)


def test_settings_reject_bad_base_name() -> None:
    with pytest.raises(ValueError, match="one non-empty URL segment"):
        EmulatorSettings(base_name="a/b")


def test_real_socket_server(small_base: EmulatorBase) -> None:
    handle = run_in_thread(create_app(small_base, EmulatorSettings(base_name="trade")))
    try:
        assert handle.url.startswith("http://127.0.0.1:")
        assert handle.url.endswith("/trade")
        with httpx2.Client(headers={"Authorization": basic_auth()}) as http:
            response = http.get(
                f"{handle.url}/odata/standard.odata/{ITEMS_SET}?$format=json&$top=2"
            )
            assert response.status_code == 200
            body = response.json()
            assert body["odata.metadata"].startswith(handle.url + "/odata/standard.odata/$metadata")
            assert len(body["value"]) == 2
            small_base.insert_objects(ITEMS_SET, [{"Code": "00-00009999", "Description": "Новый"}])
            count = http.get(f"{handle.url}/odata/standard.odata/{ITEMS_SET}/$count")
            assert count.text == str(small_base.count(ITEMS_SET))
    finally:
        handle.stop()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{handle.url}/odata/standard.odata", timeout=2)
