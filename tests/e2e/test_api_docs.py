"""Issue #12 item 11: /api/docs runs Swagger UI from the app's own files, under the same
'self'-only Content-Security-Policy as every page, with no request leaving the machine."""

from __future__ import annotations

from playwright.sync_api import Page, Request, Route, expect

from tests.conftest import LiveServer


def test_the_api_docs_work_offline_under_the_strict_policy(
    page: Page, live_server: LiveServer
) -> None:
    elsewhere: list[str] = []
    problems: list[str] = []

    def offline(route: Route, request: Request) -> None:
        if request.url.startswith(live_server.url):
            route.continue_()
        else:  # no CDN, no validator badge: the docs must not need the internet
            elsewhere.append(request.url)
            route.abort()

    page.route("**/*", offline)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    response = page.goto(live_server.url + "/api/docs")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "cdn" not in policy
    expect(page.get_by_text("Cunzhan 村站 API").first).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()  # the operations are listed
    page.screenshot(path="build/screenshots/api-docs-01-offline.png")
    assert elsewhere == []
    assert problems == []
