"""The sign-in page's ``next``: a path of this site or the dashboard, never another site."""

from __future__ import annotations

import pytest

from escalera.web.redirects import same_site_path


@pytest.mark.parametrize("target", [
    "/", "/firms", "/firms?q=a&page=2", "/firms/F-00R2-WZY4-6#links", "/programs/P-1/cases",
    "/search/https://example.org",  # a path that mentions an address is still a path
])
def test_a_path_of_this_site_is_kept(target: str) -> None:
    assert same_site_path(target) == target


@pytest.mark.parametrize("target", [
    None, "", "firms", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "\\/evil.example", "https://evil.example", "http:/evil.example",
    "https:evil.example", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "/\t/evil.example", "/\n/evil.example",
    "/\r\n/evil.example", " //evil.example", "/\x00/evil.example", "/\x7f", "/a b",
])
def test_anything_else_goes_to_the_default(target: str | None) -> None:
    assert same_site_path(target) == "/"
    assert same_site_path(target, default="/firms") == "/firms"
