"""/openapi.json is a contract real clients can use: it validates against the OpenAPI 3.1 schema,
and the client that openapi-python-client generates from it signs in and reads pages."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from openapi_spec_validator import validate
from werkzeug.serving import make_server

from tests.support import ADMIN_PASSWORD, Suite


@pytest.fixture(scope="module")
def gateway_url(sqlite_suite: Suite) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, sqlite_suite.client.application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_the_openapi_document_validates_against_the_openapi_3_1_schema(
    sqlite_suite: Suite,
) -> None:
    document = sqlite_suite.client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_a_generated_python_client_signs_in_and_reads_a_page_of_counterparties(
    sqlite_suite: Suite, gateway_url: str, tmp_path: Path
) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_bytes(sqlite_suite.client.get("/openapi.json").get_data())
    tools = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(
        [tools / "openapi-python-client", "generate", "--path", spec, "--meta", "none",
         "--output-path", tmp_path / "hoa_client"],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )  # fmt: skip
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        client_module = importlib.import_module("hoa_client.client")
        login = importlib.import_module("hoa_client.api.identity.post_api_v1_auth_login")
        listing = importlib.import_module("hoa_client.api.counterparties.get_api_v1_counterparties")
        models = importlib.import_module("hoa_client.models")
        anonymous = client_module.Client(base_url=gateway_url)
        tokens = login.sync(
            client=anonymous, body=models.Login(username="admin", password=ADMIN_PASSWORD)
        )
        assert isinstance(tokens, models.Tokens), tokens
        signed_in = client_module.AuthenticatedClient(
            base_url=gateway_url, token=tokens.access_token
        )
        page = listing.sync(client=signed_in, page_size=5)
        assert isinstance(page, models.CounterpartyPage), page
        assert page.page_size == 5
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "hoa_client" or m.startswith("hoa_client.")]:
            del sys.modules[name]
