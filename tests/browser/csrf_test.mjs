// SPDX-License-Identifier: MIT
// tests/browser/csrf_test.mjs - pages of another origin against a browser logged in on the login
// page: from a second port on the same host (same site: the SameSite=Strict cookie goes along, so
// the anti-CSRF header is what refuses) and from http://localhost (another site: the cookie stays
// home), a form that auto-submits a refresh, one that logs the browser into another account with
// cookie=1, one that logs out, and a page that calls fetch with credentials (with and without the
// header, and a read of /sessions). All are refused; on the server nothing rotated and nobody
// logged in (its metrics), the browser's cookie is the one it had, and the victim's session goes
// on: a reload renews it from the cookie.
import http from 'node:http';

import { PASSWORD, Server, context, launch, logIn, main } from './lib.mjs';

let server;
let hostile;
let browser;

const form = (action, fields) => `<!doctype html><title>win a prize</title><form method="post" action="${action}">${
  Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`).join('')
}</form><script>document.forms[0].submit()</script>`;

// The attacker's pages; target is the wristband server's origin.
const PAGES = {
  '/refresh-form': (t) => form(`${t}/oauth/token`, { grant_type: 'refresh_token' }),
  '/login-form': (t) => form(`${t}/oauth/token`, { grant_type: 'password', username: 'mallory', password: PASSWORD, cookie: '1' }),
  '/logout-form': (t) => form(`${t}/oauth/logout`, { scope: 'global' }),
  '/fetch': (t) => `<!doctype html><title>fetch</title><script>
    window.results = {};
    const body = () => new URLSearchParams({ grant_type: 'refresh_token', cookie: '1' });
    async function attempt(name, url, init) {
      try {
        const r = await fetch(url, init);
        results[name] = r.type === 'opaque' ? 'opaque' : 'read ' + r.status + ' ' + (await r.text());
      } catch (e) {
        results[name] = 'refused: ' + e.name;
      }
    }
    (async () => {
      await attempt('withHeader', '${t}/oauth/token', { method: 'POST', credentials: 'include',
        headers: { 'X-Wristband-CSRF': '1' }, body: body() });
      await attempt('simple', '${t}/oauth/token', { method: 'POST', credentials: 'include', body: body() });
      await attempt('noCors', '${t}/oauth/token', { method: 'POST', credentials: 'include', mode: 'no-cors', body: body() });
      await attempt('sessions', '${t}/sessions', { credentials: 'include' });
      results.done = true;
    })();
  </script>`,
};

function startHostile(target) {
  const srv = http.createServer((req, res) => {
    const page = PAGES[new URL(req.url, 'http://x').pathname];
    res.writeHead(page ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page ? page(target) : '');
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

// Opens the attacker's path on origin in a new tab of ctx; for a form, the server's answer.
async function attack(ctx, origin, path, target) {
  const page = await ctx.newPage();
  const answer = path.endsWith('-form')
    ? page.waitForResponse((r) => r.url() === target && r.request().method() === 'POST') : null;
  await page.goto(origin + path);
  let result;
  if (answer) {
    const r = await answer;
    result = { status: r.status(), cookie: (await r.request().allHeaders()).cookie || '' };
  } else {
    await page.waitForFunction(() => window.results && window.results.done);
    result = await page.evaluate(() => window.results);
  }
  await page.close();
  return result;
}

async function testOtherOrigins(c) {
  server.addUser('alice');
  server.addUser('mallory');
  const ctx = await context(browser);
  const victim = await ctx.newPage();
  await victim.goto(server.url('/'));
  await logIn(victim, 'alice');
  const cookie = async () => (await ctx.cookies(server.base)).find((k) => k.name === '__Host-wristband-refresh').value;
  const before = { cookie: await cookie(), refreshes: await server.metric('wristband_refresh_total'),
    logins: await server.metric('wristband_logins_total{result="ok"}') };
  const port = hostile.address().port;
  // [origin, what the cookie does, refresh form, logout form]: the same site sends the cookie and
  // meets the missing header (403); another site sends no cookie at all (400 / 401).
  const origins = [[`http://127.0.0.1:${port}`, 'same site', 403, 403], [`http://localhost:${port}`, 'cross-site', 400, 401]];
  for (const [origin, site, refreshStatus, logoutStatus] of origins) {
    const r = await attack(ctx, origin, '/refresh-form', server.url('/oauth/token'));
    c.eq(r.status, refreshStatus, `${site}: an auto-submitted refresh form is refused`);
    c.eq(r.cookie.includes('__Host-wristband-refresh'), site === 'same site', `${site}: the cookie ${site === 'same site' ? 'went along' : 'stayed home (SameSite=Strict)'}`);
    const l = await attack(ctx, origin, '/login-form', server.url('/oauth/token'));
    c.eq(l.status, 403, `${site}: a form logging the browser in as mallory with cookie=1 is refused`);
    const o = await attack(ctx, origin, '/logout-form', server.url('/oauth/logout'));
    c.eq(o.status, logoutStatus, `${site}: an auto-submitted logout form is refused`);
    const f = await attack(ctx, origin, '/fetch', '');
    c.eq(f.withHeader, 'refused: TypeError', `${site}: fetch with credentials and the header: the preflight is refused`);
    c.eq(f.simple, 'refused: TypeError', `${site}: fetch with credentials, no header: no answer to read`);
    c.eq(f.noCors, 'opaque', `${site}: a no-cors fetch gets an opaque answer`);
    c.eq(f.sessions, 'refused: TypeError', `${site}: the session list cannot be read`);
  }
  const after = { cookie: await cookie(), refreshes: await server.metric('wristband_refresh_total'),
    logins: await server.metric('wristband_logins_total{result="ok"}') };
  c.eq(after, before, 'nothing rotated, nobody logged in (server metrics), the browser keeps its cookie');
  c.eq(await server.metric('wristband_refresh_reuse_detected_total'), 0, 'no reuse detected');
  // The victim's session is intact: a reload renews it from the cookie.
  await victim.reload();
  await victim.locator('#app').waitFor({ state: 'visible' });
  c.eq(await victim.locator('#who-name').textContent(), 'alice', 'the victim is still alice after a reload');
  c.eq(await server.metric('wristband_refresh_total'), before.refreshes + 1, 'that reload was the one rotation');
  c.eq(ctx.problems, [], 'no CSP report or script error on the login page');
  await ctx.close();
}

await main([async function setup() {
  // A long access-token lifetime: the victim page renews nothing by itself during the attacks.
  server = await new Server({ ttl: '15m' }).start();
  hostile = await startHostile(server.base);
  browser = await launch();
}, testOtherOrigins, async function teardown() {
  if (browser) await browser.close();
  if (hostile) hostile.close();
  if (server) await server.stop();
}]);
