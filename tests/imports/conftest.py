"""Fixtures shared by the import tests."""

import pytest
from django.test import Client

from qiangshi.access.services import api_token_create


@pytest.fixture
def api(world):
    """api("school") → a client sending that user's bearer token."""

    def make(role: str) -> Client:
        _, key = api_token_create(actor=world["users"][role], name="tests")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return make
