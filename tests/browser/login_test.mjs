// SPDX-License-Identifier: MIT
// tests/browser/login_test.mjs - the login page (/) in Chromium: a keyboard-only login whose
// refresh cookie has HttpOnly, Secure, SameSite=Strict and the __Host- prefix, that document.cookie
// and the browser's storage never show a token, and whose claims table is the token's; past the
// access-token lifetime the page has renewed by itself (with the cookie and the anti-CSRF
// header, without the old token) and a reload continues from the cookie alone; two contexts of
// one user: "log out everywhere else" ends the other at its next renewal and the session list
// goes from two to one; "End" on a listed session, and "Log out everywhere", which clears the
// cookies; a refresh cookie replaced by another session's (cookie tossing) is refused; the page on
// a phone; screenshots under WB_SCREENSHOTS.
import http from 'node:http';

import { ACCESS_TTL, PASSWORD, Server, claimsOf, context, expectedClaims, launch, logIn, main, screenshot, shownClaims,
  together, usability } from './lib.mjs';

const WAIT_MS = (ACCESS_TTL * 3 + 10) * 1000; // a renewal is due within the lifetime: generous
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.5 Mobile/15E148 Safari/604.1';
let server;
let browser;

const shown = (page, name) => page.locator(`#claims-rows tr[data-name="${name}"] td.value`).first().textContent();
const sessionRows = (page) => page.locator('#sessions-rows tr');

async function loginPage(options) {
  const ctx = await context(browser, options);
  const page = await ctx.newPage();
  await page.goto(server.url('/'));
  return { ctx, page };
}

async function testLogin(c) {
  server.addUser('alice', ['admin']);
  const { ctx, page } = await loginPage();
  await page.locator('#login').waitFor({ state: 'visible' });
  c.eq(await page.evaluate(() => document.activeElement.id), 'username', 'the user name field has the focus');
  const { response, body } = await logIn(page, 'alice', { keyboard: true });
  c.eq(response.status(), 200, 'login');
  c.eq(await page.locator('#who-name').textContent(), 'alice', 'shows who is logged in');
  c.eq(await page.evaluate(() => document.activeElement.id), 'who', 'the focus moves to the greeting');
  c.check(!('refresh_token' in body), 'no refresh token in the body the page sees');
  const login = ctx.requests.find((r) => r.url.endsWith('/oauth/token') && r.body.includes('grant_type=password'));
  c.eq(login && login.headers['x-wristband-csrf'], '1', 'the login carries X-Wristband-CSRF');

  const setCookies = (await response.headersArray()).filter((h) => h.name.toLowerCase() === 'set-cookie').map((h) => h.value);
  const raw = setCookies.find((v) => v.startsWith('__Host-wristband-refresh='));
  c.check(raw, 'Set-Cookie __Host-wristband-refresh');
  for (const attr of ['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict'])
    c.check(raw && raw.split('; ').includes(attr), `the refresh cookie says ${attr}`);
  c.check(raw && !/;\s*Domain=/i.test(raw), 'no Domain attribute (__Host-)');
  const jar = await ctx.cookies(server.base);
  const cookie = jar.find((k) => k.name === '__Host-wristband-refresh');
  c.check(cookie, 'the browser kept the __Host- refresh cookie (a secure context on plain http://127.0.0.1)');
  if (cookie) {
    c.eq([cookie.httpOnly, cookie.secure, cookie.sameSite, cookie.path, cookie.domain],
      [true, true, 'Strict', '/', '127.0.0.1'], 'as Chromium stores it: HttpOnly, Secure, Strict, /, host-only');
  }
  const seen = await page.evaluate(async () => ({
    cookie: document.cookie, local: localStorage.length, session: sessionStorage.length,
    idb: (await indexedDB.databases()).length, secure: window.isSecureContext }));
  c.eq(seen, { cookie: '', local: 0, session: 0, idb: 0, secure: true },
    'document.cookie is empty, nothing in localStorage, sessionStorage or IndexedDB');

  const claims = claimsOf(body.access_token);
  c.eq(await shownClaims(page, '#claims-rows'), expectedClaims(claims), 'the claims shown are the token\'s');
  const exp = await shown(page, 'exp');
  c.check(/expires in \d+ seconds?/.test(exp), `exp in words: ${exp}`);
  c.check(exp.includes(new Date(claims.exp * 1000).toISOString().replace('.000Z', 'Z')), 'exp in UTC');
  c.check(/CET|CEST|GMT\+/.test(exp), `exp in the local zone (Europe/Paris): ${exp}`);
  c.check((await page.locator('#claims-rows tr[data-name="iss"]').textContent()).includes('Issuer'), 'iss explained');
  await sessionRows(page).first().waitFor();
  c.eq(await sessionRows(page).count(), 1, 'one session listed');
  c.eq(await sessionRows(page).first().getAttribute('data-current'), 'true', 'marked as this one');
  c.check((await sessionRows(page).first().textContent()).includes('this one'), '"this one" shown');
  const u = await usability(page);
  c.eq([u.unlabelled, u.nameless], [[], []], 'every field labelled, every button named');
  c.check(!ctx.requests.some((r) => r.url.includes(body.access_token.split('.')[2])), 'the token is in no URL');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
  await ctx.close();
}

async function testRenewAndReload(c) {
  server.addUser('carol');
  const { ctx, page } = await loginPage();
  const { body } = await logIn(page, 'carol');
  const first = claimsOf(body.access_token);
  c.eq(first.exp - first.iat, ACCESS_TTL, 'the short access-token lifetime');
  // Wait on the page until the first token has expired and the claims shown are a newer token's.
  await page.waitForFunction(({ jti, exp }) =>
    Date.now() / 1000 > exp + 1 && document.querySelector('#claims-rows tr[data-name="jti"] td.value code').textContent !== jti,
  { jti: first.jti, exp: first.exp }, { timeout: WAIT_MS, polling: 200 });
  c.check(await page.locator('#app').isVisible(), 'still logged in past the first token\'s exp');
  c.eq(await shown(page, 'sid'), first.sid, 'the same session');
  c.check(!(await page.locator('#renewals').textContent()).startsWith('0'), 'renewed by itself');
  const after = ctx.requests.findIndex((r) => r.body.includes('grant_type=password'));
  const renewals = ctx.requests.filter((r, i) => i > after && r.url.endsWith('/oauth/token') &&
    r.body.includes('grant_type=refresh_token'));
  c.check(renewals.length >= 1, 'a refresh request went out');
  for (const r of renewals) {
    c.eq(r.headers['x-wristband-csrf'], '1', 'the renewal carries X-Wristband-CSRF');
    c.check(!('authorization' in r.headers), 'the renewal sends no bearer token');
    c.check((r.headers.cookie || '').includes('__Host-wristband-refresh='), 'the renewal sends the refresh cookie');
    c.check(!r.body.includes('refresh_token='), 'and no refresh_token parameter');
  }
  // The renewed token works where the first no longer would: the list reloads.
  const list = page.waitForResponse((r) => r.url().endsWith('/sessions'));
  await page.click('#reload-sessions');
  c.eq((await list).status(), 200, 'GET /sessions with the renewed token, after the first expired');
  const auth = ctx.requests.filter((r) => r.url.endsWith('/sessions')).pop();
  c.check(auth && auth.headers.authorization && !auth.headers.authorization.includes(first.jti), 'a bearer token');

  await page.reload();
  await page.locator('#app').waitFor({ state: 'visible' });
  c.eq(await page.locator('#who-name').textContent(), 'carol', 'after a reload: still carol, from the cookie alone');
  c.eq(await shown(page, 'sid'), first.sid, 'the same session after the reload');
  c.check(await page.evaluate(() => localStorage.length + sessionStorage.length === 0), 'still nothing stored');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
  await ctx.close();
}

async function testLogoutOthers(c) {
  server.addUser('dave');
  const a = await loginPage();
  const b = await loginPage({ userAgent: IPHONE });
  await logIn(a.page, 'dave');
  await logIn(b.page, 'dave');
  await a.page.click('#reload-sessions');
  await a.page.waitForFunction(() => document.querySelectorAll('#sessions-rows tr').length === 2, null, { timeout: 10000 });
  c.eq(await sessionRows(a.page).count(), 2, 'both sessions listed before');
  c.check((await a.page.locator('#sessions-rows').textContent()).includes('Safari on iOS'), 'the other device named');
  await screenshot(a.page, 'login.png');
  await a.page.click('#logout-others');
  await a.page.waitForFunction(() => document.querySelectorAll('#sessions-rows tr').length === 1, null, { timeout: 10000 });
  c.eq(await sessionRows(a.page).first().getAttribute('data-current'), 'true', 'one after: this one');
  c.eq(await a.page.locator('#status').textContent(), 'Every other session has ended.', 'says so');
  // The other context learns it at its next renewal.
  await b.page.locator('#login').waitFor({ state: 'visible', timeout: WAIT_MS });
  c.check((await b.page.locator('#login-error').textContent()).includes('session has ended'), 'the other page says its session ended');
  c.check(await a.page.locator('#app').isVisible(), 'this one is still logged in');
  c.eq([...a.ctx.problems, ...b.ctx.problems], [], 'no CSP report, no script error');
  await a.ctx.close();
  await b.ctx.close();
}

async function testEndAndLogoutAll(c) {
  server.addUser('erin');
  const a = await loginPage();
  const b = await loginPage({ userAgent: IPHONE });
  const d = await loginPage();
  await logIn(a.page, 'erin');
  await logIn(b.page, 'erin');
  await logIn(d.page, 'erin');
  await a.page.click('#reload-sessions');
  await a.page.waitForFunction(() => document.querySelectorAll('#sessions-rows tr').length === 3, null, { timeout: 10000 });
  // End the phone's session from the list.
  await a.page.click('#sessions-rows tr[data-current="false"]:has-text("iOS") button');
  await a.page.waitForFunction(() => document.querySelectorAll('#sessions-rows tr').length === 2, null, { timeout: 10000 });
  c.check(!(await a.page.locator('#sessions-rows').textContent()).includes('iOS'), 'the ended session left the list');
  const del = a.ctx.requests.find((r) => r.method === 'DELETE');
  c.eq(del && del.headers['x-wristband-csrf'], '1', 'DELETE /sessions/... carries X-Wristband-CSRF');
  // Everywhere: this page logs out at once, its cookies go, the others end too.
  await a.page.click('#logout-all');
  await a.page.locator('#login').waitFor({ state: 'visible' });
  c.eq(await a.page.locator('#status').textContent(), 'You are logged out everywhere.', 'logged out everywhere');
  c.eq((await a.ctx.cookies(server.base)).map((k) => k.name), [], 'the cookies are gone');
  c.eq(await a.page.evaluate(() => document.activeElement.id), 'username', 'the focus is back on the user name');
  await a.page.reload();
  await a.page.locator('#login').waitFor({ state: 'visible' });
  c.check(await a.page.locator('#login-error').isHidden(), 'a reload finds no session and says nothing alarming');
  // Both other pages learn it at their next renewal.
  await Promise.all([b, d].map((x) => x.page.locator('#login').waitFor({ state: 'visible', timeout: WAIT_MS })));
  c.check((await b.page.locator('#login-error').textContent()).includes('session has ended'), 'the ended session\'s page says so');
  c.check((await d.page.locator('#login-error').textContent()).includes('session has ended'), 'so does the third page');
  // Log out (here only) in a fresh login: the cookies go too.
  await logIn(a.page, 'erin');
  await a.page.click('#logout');
  await a.page.locator('#login').waitFor({ state: 'visible' });
  c.eq(await a.page.locator('#status').textContent(), 'You are logged out.', 'logged out here');
  c.eq((await a.ctx.cookies(server.base)).map((k) => k.name), [], 'the cookies are gone after a local logout');
  c.eq([...a.ctx.problems, ...b.ctx.problems, ...d.ctx.problems], [], 'no CSP report, no script error');
  for (const x of [a, b, d]) await x.ctx.close();
}

// Cookie tossing: something on this host name (another port) overwrites the refresh cookie with
// one of the attacker's session. The page must not show the attacker's account as the user's:
// at its next renewal it logs the planted session out (clearing the cookies) and asks for a login.
async function testTossedCookie(c) {
  server.addUser('gina');
  server.addUser('mallory');
  const { ctx, page } = await loginPage();
  await logIn(page, 'gina');
  const planted = await server.login('mallory');
  // The tossing page: another port of the same host, which the browser's cookies do not tell apart.
  const sibling = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Set-Cookie':
      `__Host-wristband-refresh=${planted.refresh_token}; Path=/; Secure; HttpOnly; SameSite=Strict` });
    res.end('hello');
  });
  await new Promise((resolve) => sibling.listen(0, '127.0.0.1', resolve));
  const other = await ctx.newPage();
  await other.goto(`http://127.0.0.1:${sibling.address().port}/`);
  await other.close();
  sibling.close();
  c.check((await ctx.cookies(server.base)).some((k) => k.value === planted.refresh_token), 'the cookie was tossed');
  await page.locator('#login').waitFor({ state: 'visible', timeout: WAIT_MS });
  c.check((await page.locator('#login-error').textContent()).includes('replaced by one of another session'),
    'the page says the cookie was replaced');
  c.eq(await page.locator('#who-name').textContent(), 'gina', 'mallory was never shown as the user');
  c.eq((await ctx.cookies(server.base)).map((k) => k.name), [], 'the planted cookies are cleared');
  const r = await fetch(server.url('/oauth/token'), { method: 'POST',
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: planted.refresh_token }) });
  c.eq(r.status, 400, 'the planted session was ended');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
  await ctx.close();
}

async function testWrongPasswordAndPhone(c) {
  server.addUser('frank');
  const { ctx, page } = await loginPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    userAgent: IPHONE });
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#username', 'frank');
  await page.fill('#password', `${PASSWORD}!`);
  await page.click('#login-button');
  await page.locator('#login-error').waitFor({ state: 'visible' });
  c.eq(await page.locator('#login-error').textContent(), 'Wrong user name or password.', 'a wrong password is said plainly');
  c.eq((await ctx.cookies(server.base)).length, 0, 'and sets no cookie');
  await page.fill('#password', '');
  await page.click('#login-button');
  c.eq(await page.locator('#login-error').textContent(), 'Enter your user name and your password.', 'an empty field');
  let u = await usability(page);
  c.eq([u.unlabelled, u.nameless, u.overflow <= 0], [[], [], true], 'phone: labelled, no sideways scrolling (login form)');
  await logIn(page, 'frank');
  await sessionRows(page).first().waitFor();
  u = await usability(page);
  c.eq([u.unlabelled, u.nameless, u.overflow <= 0], [[], [], true], `phone: no sideways scrolling when logged in (${u.overflow})`);
  const box = await page.locator('#logout').boundingBox();
  c.check(box && box.height >= 44, `buttons are big enough to touch (${box && box.height}px)`);
  await screenshot(page, 'login-phone.png');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
  await ctx.close();
}

await main([async function setup() {
  server = await new Server().start();
  browser = await launch();
}, testLogin, together(testRenewAndReload, testLogoutOthers, testEndAndLogoutAll, testTossedCookie), testWrongPasswordAndPhone,
async function teardown() {
  if (browser) await browser.close();
  if (server) await server.stop();
}]);
