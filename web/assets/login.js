// SPDX-License-Identifier: MIT
// web/assets/login.js - the login page (/), in the server's cookie mode: the refresh token lives
// in the __Host-wristband-refresh cookie (HttpOnly, Secure, SameSite=Strict: out of this
// script's reach), the access token in a variable of this module only (never localStorage or
// sessionStorage), and every POST and DELETE carries X-Wristband-CSRF, which a cross-site form
// cannot send. The page renews the access token by itself before it expires (the cookie
// authenticates the renewal), so a reload continues the session from the cookie alone; it lists
// the user's sessions with a button to end each, and logs out here, everywhere else or
// everywhere.

import { CLAIMS, b64urlDecode, el, localText, memberRows, nowSeconds, refreshTimes, nameText, relative, scanJson, utf8 } from './jwt.js';

const CSRF_HEADER = 'X-Wristband-CSRF';
const CLIENT_ID = 'wristband-web';
const RETRY_MS = 5000; // a renewal that met a network or server error is tried again this soon
const $ = (id) => document.getElementById(id);

// Everything the page knows of the session: in memory, gone with the page.
const state = { access: null, claims: null, raw: null, refreshAt: 0, timer: 0, inflight: null, renewals: 0 };

// ---- talking to the server -----------------------------------------------------------------

// {status, body, retryAfter}; status 0 when the server could not be reached.
async function call(method, path, { form = null, bearer = true } = {}) {
  const headers = {};
  if (method !== 'GET') headers[CSRF_HEADER] = '1';
  if (bearer && state.access) headers.Authorization = `Bearer ${state.access}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: form ? new URLSearchParams(form) : undefined,
      credentials: 'same-origin', cache: 'no-store' });
  } catch {
    return { status: 0, body: null, retryAfter: null };
  }
  let body = null;
  if (res.status !== 204) {
    try {
      body = await res.json();
    } catch {
      body = null;
    }
  }
  return { status: res.status, body, retryAfter: res.headers.get('Retry-After') };
}

// A call with the access token; on 401 one renewal and one more try.
async function authed(method, path, form = null) {
  let r = await call(method, path, { form });
  if (r.status === 401 && state.access && (await renew())) r = await call(method, path, { form });
  return r;
}

function describe(r) {
  if (r.status === 0) return 'The server cannot be reached. Check your connection and try again.';
  if (r.status === 429) return `Too many attempts: try again in ${r.retryAfter || 'a few'} seconds.`;
  const d = r.body && (r.body.error_description || r.body.error);
  return `The server answered ${r.status}${d ? `: ${d}` : ''}.`;
}

// ---- the session ---------------------------------------------------------------------------

// The claims, and each one's value as written (numbers past 2^53 are not rounded).
function claimsOf(token) {
  const text = utf8(b64urlDecode(token.split('.')[1], 'The payload'), 'The payload');
  return { claims: JSON.parse(text), raw: scanJson(text).raw };
}

// A token response: keep the access token, schedule its renewal before it expires (a quarter of
// its life ahead, at most a minute: counted from now with expires_in, so the two clocks need
// not agree), show it.
function adopt(body, renewed) {
  state.access = body.access_token;
  ({ claims: state.claims, raw: state.raw } = claimsOf(body.access_token));
  if (renewed) state.renewals++;
  const life = Math.max(1, Number(body.expires_in) || 60) * 1000;
  state.refreshAt = Date.now() + life - Math.min(60000, life / 4);
  clearTimeout(state.timer);
  state.timer = setTimeout(renew, state.refreshAt - Date.now());
  showApp();
  loadSessions();
}

// true when a renewed access token belongs to another user or session than the one shown.
function swapped(token) {
  try {
    const { claims } = claimsOf(token);
    return claims.sub !== state.claims.sub || claims.sid !== state.claims.sid;
  } catch {
    return true;
  }
}

// Renews the access token with the refresh cookie; one renewal at a time. true when renewed.
function renew() {
  if (!state.inflight) state.inflight = doRenew().finally(() => (state.inflight = null));
  return state.inflight;
}

async function doRenew() {
  const r = await call('POST', '/oauth/token', { form: { grant_type: 'refresh_token', cookie: '1' }, bearer: false });
  if (r.status === 200 && state.claims && swapped(r.body.access_token)) {
    // Someone replaced the refresh cookie with one of another session (a page on this host name,
    // another port included, can set it): never show that account as this one. End the planted
    // session with its own token, which also clears the cookies, and ask for a new login.
    forget();
    state.access = r.body.access_token;
    await call('POST', '/oauth/logout', { form: { scope: 'local' } });
    state.access = null;
    showLogin('The session cookie was replaced by one of another session (something on this host name set it). ' +
      'You have been logged out: log in again.');
    return false;
  }
  if (r.status === 200) {
    adopt(r.body, true);
    return true;
  }
  if (r.status === 0 || r.status === 429 || r.status >= 500) {
    // Passing trouble: try again soon, while the page still holds a token.
    if (state.access) {
      clearTimeout(state.timer);
      const wait = r.retryAfter ? Number(r.retryAfter) * 1000 : RETRY_MS;
      state.refreshAt = Date.now() + wait;
      state.timer = setTimeout(renew, wait);
      say(`Could not renew the session (${describe(r)}); trying again shortly.`);
    } else {
      showLogin(describe(r));
    }
    return false;
  }
  // No cookie, or its session ended (logged out elsewhere, expired, revoked).
  const had = state.access !== null;
  forget();
  showLogin(had ? 'Your session has ended: it was logged out from elsewhere or it expired. Log in again.' : '');
  return false;
}

function forget() {
  clearTimeout(state.timer);
  state.access = null;
  state.claims = null;
  state.raw = null;
  state.refreshAt = 0;
  state.renewals = 0;
}

// ---- logging in and out --------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  const username = $('username').value.trim();
  const password = $('password').value;
  if (!username || !password) {
    showError('Enter your user name and your password.');
    (username ? $('password') : $('username')).focus();
    return;
  }
  const button = $('login-button');
  button.disabled = true;
  showError('');
  say('Logging in…');
  const r = await call('POST', '/oauth/token', { bearer: false,
    form: { grant_type: 'password', username, password, cookie: '1', client_id: CLIENT_ID } });
  button.disabled = false;
  say('');
  if (r.status === 200) {
    $('password').value = '';
    adopt(r.body, false);
    $('who').focus();
    return;
  }
  showError(r.status === 400 && r.body && r.body.error === 'invalid_grant'
    ? 'Wrong user name or password.' : describe(r));
  $('password').select();
}

async function logout(scope) {
  const r = await authed('POST', '/oauth/logout', { scope });
  if (r.status !== 204) {
    say(describe(r));
    return;
  }
  if (scope === 'others') {
    say('Every other session has ended.');
    loadSessions();
    return;
  }
  forget();
  showLogin(scope === 'global' ? 'You are logged out everywhere.' : 'You are logged out.', 'status');
}

async function endSession(sid) {
  const r = await authed('DELETE', `/sessions/${encodeURIComponent(sid)}`);
  say(r.status === 204 ? 'The session has ended.' : r.status === 404 ? 'That session had already ended.' : describe(r));
  loadSessions();
}

// ---- showing -------------------------------------------------------------------------------

function say(text) {
  $('status').textContent = text;
}

function showError(text) {
  $('login-error').textContent = text;
  $('login-error').hidden = !text;
}

function showLogin(message, kind = 'alert') {
  $('loading').hidden = true;
  $('app').hidden = true;
  $('login').hidden = false;
  say('');
  if (kind === 'alert') showError(message);
  else {
    showError('');
    say(message);
  }
  $('username').focus();
}

function showApp() {
  const c = state.claims;
  $('loading').hidden = true;
  $('login').hidden = true;
  $('app').hidden = false;
  $('who-name').textContent = nameText(String(c.preferred_username || c.sub));
  $('who-roles').textContent = Array.isArray(c.roles) && c.roles.length ? `Roles: ${c.roles.join(', ')}.` : 'No roles.';
  $('expiry').replaceChildren(el('span', { class: 'rel', dataset: { time: String(c.exp), name: 'exp' } }, relative('exp', c.exp, nowSeconds())));
  $('renewals').textContent = state.renewals === 1 ? 'once' : `${state.renewals} times`;
  $('next-renewal').textContent = new Date(state.refreshAt).toLocaleTimeString();
  $('claims-rows').replaceChildren(...memberRows(c, CLAIMS, nowSeconds(), state.raw));
}

// "Chrome on Linux" from a User-Agent; the whole string goes in the title.
function device(ua) {
  if (!ua) return 'Unknown device';
  const browser = [[/Edg\//, 'Edge'], [/Firefox\//, 'Firefox'], [/HeadlessChrome\//, 'Headless Chrome'],
    [/Chrom(e|ium)\//, 'Chrome'], [/Safari\//, 'Safari'], [/^curl\//, 'curl'], [/python-requests/, 'Python requests']]
    .find(([re]) => re.test(ua));
  const os = [[/Android/, 'Android'], [/iPhone|iPad/, 'iOS'], [/Windows/, 'Windows'], [/Mac OS X/, 'macOS'],
    [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux']].find(([re]) => re.test(ua));
  const name = browser ? browser[1] : ua.split(/[\s/]/)[0].slice(0, 40);
  return os ? `${name} on ${os[1]}` : name;
}

function when(t, name) {
  return [el('span', { class: 'rel', dataset: { time: String(t), name } }, relative(name, t, nowSeconds())),
    el('br'), el('span', { class: 'muted' }, localText(t))];
}

async function loadSessions() {
  const r = await authed('GET', '/sessions');
  if (r.status !== 200 || !r.body || !Array.isArray(r.body.sessions)) {
    if (state.access) $('sessions-note').textContent = `Cannot list the sessions: ${describe(r)}`;
    return;
  }
  const list = r.body.sessions.slice().sort((a, b) => b.current - a.current || b.last_used_at - a.last_used_at);
  $('sessions-note').textContent = list.length === 1 ? 'One session: this one.' : `${list.length} sessions.`;
  $('sessions-rows').replaceChildren(...list.map((s) => {
    const what = device(s.user_agent);
    const button = s.current
      ? el('button', { type: 'button', class: 'secondary', 'aria-label': `Log out here (${what}, this session)` }, 'Log out')
      : el('button', { type: 'button', class: 'secondary', 'aria-label': `End the session of ${what} from ${s.address}` }, 'End');
    button.addEventListener('click', () => (s.current ? logout('local') : endSession(s.sid)));
    return el('tr', { dataset: { sid: s.sid, current: String(Boolean(s.current)) } },
      el('th', { scope: 'row', title: s.user_agent || '' }, what, s.current ? el('span', { class: 'badge' }, 'this one') : null),
      el('td', { 'data-label': 'Address' }, s.address || '?'),
      el('td', { 'data-label': 'Logged in' }, ...when(s.created_at, 'since')),
      el('td', { 'data-label': 'Last used' }, ...when(s.last_used_at, 'used')),
      el('td', {}, button));
  }));
}

// ---- wiring ------------------------------------------------------------------------------------

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => logout('local'));
$('logout-others').addEventListener('click', () => logout('others'));
$('logout-all').addEventListener('click', () => logout('global'));
$('reload-sessions').addEventListener('click', loadSessions);
// Once a second: the relative times, and a renewal whose timer a sleeping machine or a
// background tab delayed.
setInterval(() => {
  refreshTimes(document, nowSeconds());
  if (state.access && !state.inflight && Date.now() > state.refreshAt + 1000) renew();
}, 1000);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && state.access && Date.now() > state.refreshAt) renew();
});
// A session may already exist: the refresh cookie (which this script cannot see) tells.
renew();
