import json

import pytest
from django.test import Client

from qiangshi.access.services import api_token_create
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_national_id_pool():
    """factories.unique_national_id draws from 500 numbers per birth date and gender and loops
    forever once the session has used them all; IDs only need to be unique within one test's
    transaction, so start each test with an empty pool."""
    factories._used_ids.clear()


class ApiClient:
    """A test client that talks JSON with a bearer token (or none)."""

    def __init__(self, key: str | None = None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _send(self, method: str, url: str, body=None, **headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        return getattr(self.client, method)(url, **kwargs)

    def get(self, url: str, params: dict | None = None, **headers):
        return self.client.get(url, params or {}, headers={**self.headers, **headers})

    def post(self, url: str, body=None, **headers):
        return self._send("post", url, body, **headers)

    def patch(self, url: str, body=None, **headers):
        return self._send("patch", url, body, **headers)

    def put(self, url: str, body=None, **headers):
        return self._send("put", url, body, **headers)

    def delete(self, url: str, **headers):
        return self._send("delete", url, None, **headers)


@pytest.fixture
def api_as(world):
    """api_as("school") → an ApiClient holding a fresh bearer token of that world user."""
    clients: dict[str, ApiClient] = {}

    def make(role: str) -> ApiClient:
        if role not in clients:
            user = world["users"][role]
            _, key = api_token_create(actor=user, name="tests")
            clients[role] = ApiClient(key)
        return clients[role]

    return make
