#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/server/e2e/web_test.py - the pages `wristband serve` serves itself (web/, compiled into the
binary: issue 12) at the HTTP level, and what cookie mode must do for them: each file with its
Content-Type, the strict page Content-Security-Policy (the JSON endpoints keep default-src 'none'),
an ETag with 304 on If-None-Match (strong, weak and list forms), Cache-Control: no-cache, HEAD
without a body, 404/405 around them; no inline script or style in any page (the CSP would block it)
and every script and stylesheet a page names is served with its type. Cookie mode: a cookie=1
login without the anti-CSRF header is refused and sets no cookie (a cross-site form would
otherwise plant its own session), and a logout clears the browser's cookies also when it
authenticated with a bearer token. The pages themselves run in Chromium: tests/browser/."""
import html.parser
import re

import requests

from wbtest import PASSWORD, Server, main

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
API_CSP = "default-src 'none'; frame-ancestors 'none'"
TYPES = {"html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
         "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"}
CSRF = {"X-Wristband-CSRF": "1"}


class Page(html.parser.HTMLParser):
    """What a page refers to and whatever inline code or style it holds."""

    def __init__(self):
        super().__init__()
        self.refs = []  # (kind, url)
        self.inline = []  # descriptions of inline script / style / handlers

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in a:
            if name.startswith("on"):
                self.inline.append("%s %s= handler" % (tag, name))
        if "style" in a:
            self.inline.append("%s style= attribute" % tag)
        if tag == "script":
            if a.get("src"):
                self.refs.append(("script", a["src"]))
            else:
                self.inline.append("inline <script>")
        if tag == "style":
            self.inline.append("<style> element")
        if tag == "link" and a.get("href"):
            self.refs.append((a.get("rel", ""), a["href"]))
        if tag == "a" and (a.get("href") or "").lower().startswith("javascript:"):
            self.inline.append("javascript: link")


def get(s, path, **kw):
    return requests.get(s.url(path), timeout=60, **kw)


def test_pages(c):
    s = Server().start()
    try:
        assets = set()
        for path in ["/", "/debug"]:
            r = get(s, path)
            c.eq(r.status_code, 200, path)
            c.eq(r.headers.get("Content-Type"), TYPES["html"], path + " Content-Type")
            c.eq(r.headers.get("Content-Security-Policy"), PAGE_CSP, path + " CSP")
            c.eq(r.headers.get("Cache-Control"), "no-cache", path + " Cache-Control")
            c.eq(r.headers.get("X-Content-Type-Options"), "nosniff", path + " nosniff")
            c.eq(r.headers.get("X-Frame-Options"), "DENY", path + " X-Frame-Options")
            c.eq(r.headers.get("Referrer-Policy"), "no-referrer", path + " Referrer-Policy")
            c.check(re.fullmatch(r'"[0-9a-f]{20,64}"', r.headers.get("ETag", "")), path + " strong ETag")
            c.check("Pragma" not in r.headers, path + " no Pragma: no-cache")
            p = Page()
            p.feed(r.text)
            c.eq(p.inline, [], path + ": no inline script, style or handler")
            c.check(any(k == "script" for k, _ in p.refs), path + " names its script")
            c.check(any(k == "stylesheet" for k, _ in p.refs), path + " names its stylesheet")
            c.check('lang="en"' in r.text and 'name="viewport"' in r.text, path + " lang and viewport")
            assets.update(u for _, u in p.refs)
        c.check(len(assets) >= 3, "the pages share assets: %r" % sorted(assets))
        for url in sorted(assets):
            r = get(s, url)
            ext = url.rsplit(".", 1)[-1]
            c.eq((r.status_code, r.headers.get("Content-Type")), (200, TYPES.get(ext)), url)
            c.eq(r.headers.get("Content-Security-Policy"), PAGE_CSP, url + " CSP")
            c.check(len(r.content) > 0, url + " has a body")
        for url in sorted(u for u in assets if u.endswith(".js")):
            used = re.findall(r"\b(localStorage|sessionStorage|indexedDB|document\.cookie)\s*[.\[=]", get(s, url).text)
            c.eq(used, [], url + " touches no browser storage")
        # The API keeps its own policy and no-store.
        for path in ["/healthz", "/.well-known/jwks.json"]:
            c.eq(get(s, path).headers.get("Content-Security-Policy"), API_CSP, path + " keeps the API CSP")
        c.eq(get(s, "/healthz").headers.get("Cache-Control"), "no-store", "/healthz no-store")
    finally:
        s.cleanup()


def test_etag(c):
    s = Server().start()
    try:
        for path in ["/", "/assets/style.css"]:
            r = get(s, path)
            etag = r.headers["ETag"]
            for inm in [etag, "W/" + etag, '"nope", ' + etag, '"a",%s , "b"' % etag, "*"]:
                n = get(s, path, headers={"If-None-Match": inm})
                c.eq((n.status_code, n.content), (304, b""), "%s If-None-Match %s" % (path, inm))
                c.eq(n.headers.get("ETag"), etag, path + " 304 repeats the ETag")
                c.eq(n.headers.get("Cache-Control"), "no-cache", path + " 304 Cache-Control")
            for inm in ['"nope"', etag[:-2] + '"', 'W/"x"', "", ",,", etag[1:-1], '"' * 3, "x" * 5000]:
                n = get(s, path, headers={"If-None-Match": inm})
                c.eq((n.status_code, n.content), (200, r.content), "%s If-None-Match %.40r: full reply" % (path, inm))
        c.check(get(s, "/").headers["ETag"] != get(s, "/debug").headers["ETag"], "ETags differ per file")
        h = requests.head(s.url("/debug"), timeout=60)
        c.eq((h.status_code, h.content), (200, b""), "HEAD /debug: no body")
        c.eq(h.headers.get("ETag"), get(s, "/debug").headers.get("ETag"), "HEAD has the ETag")
    finally:
        s.cleanup()


def test_not_found(c):
    s = Server().start()
    try:
        for path in ["/assets/", "/assets/nope.js", "/assets/../index.html", "/assets/style.css/",
                     "/index.html", "/debug/", "/assets//style.css", "/web/index.html"]:
            r = get(s, path)
            c.eq(r.status_code, 404, path)
            c.eq(r.headers.get("Content-Type"), "application/json", path + " JSON error")
            c.eq(r.headers.get("Content-Security-Policy"), API_CSP, path + " API CSP")
        for m in ["POST", "PUT", "DELETE"]:
            r = requests.request(m, s.url("/"), timeout=60)
            c.eq(r.status_code, 405, m + " /")
            c.eq(r.headers.get("Allow"), "GET, HEAD", m + " / Allow")
        c.eq(requests.post(s.url("/assets/style.css"), timeout=60).status_code, 405, "POST an asset")
    finally:
        s.cleanup()


def test_cookie_login_needs_csrf(c):
    s = Server().start()
    try:
        s.add_user("alice")
        form = {"grant_type": "password", "username": "alice", "password": PASSWORD, "cookie": "1"}
        r = requests.post(s.url("/oauth/token"), data=form, timeout=60)
        c.eq((r.status_code, r.json().get("error")), (403, "access_denied"), "cookie login without the header")
        c.eq(r.headers.get("Set-Cookie"), None, "no cookie set")
        c.check("access_token" not in r.text, "no token")
        c.eq(s.metric('wristband_logins_total{result="ok"}'), 0.0, "no login happened")
        r = requests.post(s.url("/oauth/token"), data=form, headers=CSRF, timeout=60)
        c.eq(r.status_code, 200, "cookie login with the header")
        c.eq(len(r.raw.headers.getlist("Set-Cookie")), 2, "both cookies")
        c.eq(s.login("alice").status_code, 200, "a login without cookie mode needs no header")
    finally:
        s.cleanup()


def test_bearer_logout_clears_cookies(c):
    s = Server().start()
    try:
        s.add_user("alice")
        form = {"grant_type": "password", "username": "alice", "password": PASSWORD, "cookie": "1"}
        for scope, clears in [("local", True), ("global", True), ("others", False)]:
            r = requests.post(s.url("/oauth/token"), data=form, headers=CSRF, timeout=60)
            at = r.json()["access_token"]
            # The cookies as a browser sends them (requests keeps Secure cookies off plain http).
            cookie = "; ".join(h.split(";")[0] for h in r.raw.headers.getlist("Set-Cookie"))
            lo = requests.post(s.url("/oauth/logout"), data={"scope": scope}, timeout=60,
                               headers={"Authorization": "Bearer " + at, "Cookie": cookie, **CSRF})
            c.eq(lo.status_code, 204, "bearer logout " + scope)
            set_cookies = lo.raw.headers.getlist("Set-Cookie")
            cleared = sorted(h.split("=", 1)[0] for h in set_cookies if "Max-Age=0" in h)
            want = ["__Host-wristband-access", "__Host-wristband-refresh"] if clears else []
            c.eq(cleared, want, "bearer logout %s with the cookies present: cleared %r" % (scope, want))
        # Without cookies a bearer logout sets none (an API client has no cookie jar to clear).
        at = s.login("alice").json()["access_token"]
        lo = s.post("/oauth/logout", at)
        c.eq((lo.status_code, lo.headers.get("Set-Cookie")), (204, None), "API logout sets no cookie")
    finally:
        s.cleanup()


if __name__ == "__main__":
    main([test_pages, test_etag, test_not_found, test_cookie_login_needs_csrf, test_bearer_logout_clears_cookies])
