"""Helpers the web tests share: the test users' password, a login, the CSRF token of a page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
ROLES = ("merchandiser", "planner", "admin")
_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def csrf_of(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Web:
    """One server: its app, database engine, upload folder, and a way to open browsers."""

    app: object
    engine: object
    db_url: str
    upload_dir: Path

    def client(self) -> TestClient:
        return TestClient(self.app, raise_server_exceptions=False)

    def login(self, name: str, password: str = PASSWORD) -> tuple[TestClient, str]:
        """A client logged in as ``name`` and the CSRF token its forms carry."""
        client = self.client()
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"name": name, "password": password, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return client, csrf_of(client.get("/nights").text)
