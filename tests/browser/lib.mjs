// SPDX-License-Identifier: MIT
// tests/browser/lib.mjs - what the browser tests of `wristband serve`'s pages share (issue 12):
// the real server on a free loopback port with a temporary database and a short access-token
// lifetime, Debian's Chromium driven headless by playwright-core (installed by the browser/npm-ci
// test from package-lock.json into WB_BROWSER_DEPS), a log of every request and of every
// Content-Security-Policy report or script error a page produced, and the checks with their
// "N passed, N failed" summary. Waits are on page state (waitForFunction, waitForResponse),
// never fixed sleeps.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, inspect } from 'node:util';

const deps = process.env.WB_BROWSER_DEPS;
if (!deps || !process.env.WRISTBAND_BIN) {
  console.error('set WRISTBAND_BIN and WB_BROWSER_DEPS (a folder where `npm ci` installed tests/browser/package-lock.json)');
  process.exit(2);
}
const { chromium } = createRequire(path.join(deps, 'package.json'))('playwright-core');

export const BIN = process.env.WRISTBAND_BIN;
export const PASSWORD = 'correct horse battery';
export const SHOTS = process.env.WB_SCREENSHOTS || path.join(tmpdir(), 'wristband-screenshots');
export const CHROMIUM = process.env.WB_CHROMIUM || '/usr/bin/chromium';
export const ACCESS_TTL = 10; // seconds: the server's minimum, so renewals come quickly
const START_TIMEOUT_MS = 60000;
// This machine's network is closed: nothing that would reach out, no first-run work.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// ---- checks ------------------------------------------------------------------------------------

export class Checks {
  constructor() {
    this.passed = 0;
    this.failed = 0;
  }

  check(cond, msg) {
    if (cond) this.passed++;
    else {
      this.failed++;
      console.error(`FAIL: ${msg}`);
    }
    return Boolean(cond);
  }

  eq(got, want, msg) {
    return this.check(isDeepStrictEqual(got, want), `${msg}: got ${inspect(got)}, want ${inspect(want)}`);
  }

  // Runs the stories one after the other; a story that throws is one failure, the rest still run.
  async run(stories) {
    for (const story of stories) {
      const t0 = Date.now();
      try {
        await story(this);
      } catch (e) {
        this.failed++;
        console.error(`FAIL: ${story.name} threw: ${e && e.stack ? e.stack : e}`);
      }
      console.log(`${story.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    console.log(`${this.passed} passed, ${this.failed} failed`);
    return this.failed ? 1 : 0;
  }
}

// ---- the server ----------------------------------------------------------------------------------

export class Server {
  constructor({ ttl = `${ACCESS_TTL}s`, args = [] } = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'wbweb'));
    this.store = `sqlite:${this.dir}/data/wristband.db`;
    this.args = ['--access-ttl', ttl, '--argon2-ops', '1', '--argon2-memory-kib', '64', ...args];
  }

  async start() {
    this.proc = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--store', this.store, ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.log = '';
    this.proc.stderr.on('data', (d) => (this.log += d));
    // However the test ends, the server does not outlive it.
    process.on('exit', () => this.proc.exitCode === null && this.proc.kill('SIGKILL'));
    const line = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the server did not start:\n${this.log}`)), START_TIMEOUT_MS);
      this.proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.split('\n')[0]);
        }
      });
      this.proc.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${this.log}`)));
    });
    const m = /^wristband: listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
    if (!m) throw new Error(`unexpected first line: ${line}`);
    this.base = m[1];
    this.port = Number(m[2]);
    return this;
  }

  url(p) {
    return this.base + p;
  }

  addUser(name, roles = []) {
    const args = ['user', 'add', name, '--store', this.store];
    for (const r of roles) args.push('--role', r);
    const p = spawnSync(BIN, args, { input: `${PASSWORD}\n`, encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`user add ${name}: ${p.stderr}`);
  }

  // A token response for name, straight from node (no browser): {access_token, refresh_token, ...}.
  async login(name) {
    const res = await fetch(this.url('/oauth/token'), { method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: name, password: PASSWORD }) });
    if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  async metric(name) {
    const text = await (await fetch(this.url('/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : null;
  }

  // Stops the server with SIGTERM; it must exit 0 and its log must hold no sanitizer report.
  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
      this.proc.kill('SIGTERM');
      const code = await done;
      if (code !== 0) throw new Error(`the server exited with ${code} on SIGTERM:\n${this.log}`);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---- the browser ---------------------------------------------------------------------------------

export async function launch() {
  // launch() gives Chromium a fresh temporary profile (--user-data-dir) of its own each time.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: START_TIMEOUT_MS });
}

// A context whose every request is logged ({url, method, headers, body}) and whose pages' CSP
// reports and script errors are collected in ctx.problems.
export async function context(browser, options = {}) {
  const ctx = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Paris', viewport: { width: 1100, height: 900 },
    ...options });
  ctx.requests = [];
  ctx.problems = [];
  ctx.on('request', async (r) => {
    const entry = { url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() || '' };
    ctx.requests.push(entry); // in order; the full headers (cookies too) arrive a moment later
    entry.headers = await r.allHeaders().catch(() => entry.headers);
  });
  ctx.on('page', (p) => watch(ctx, p));
  return ctx;
}

function watch(ctx, page) {
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) ctx.problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => ctx.problems.push(`script error: ${e.message}`));
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// ---- the pages -----------------------------------------------------------------------------------

// Logs name in on the login page of page (already at /), by keyboard when keyboard is set.
// Returns the token response the page received.
export async function logIn(page, name, { keyboard = false } = {}) {
  await page.locator('#login').waitFor({ state: 'visible' });
  const response = page.waitForResponse((r) => r.url().endsWith('/oauth/token') && r.request().method() === 'POST' &&
    (r.request().postData() || '').includes('grant_type=password'));
  if (keyboard) {
    await page.keyboard.type(name);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
  } else {
    await page.fill('#username', name);
    await page.fill('#password', PASSWORD);
    await page.click('#login-button');
  }
  const r = await response;
  await page.locator('#app').waitFor({ state: 'visible' });
  return { response: r, body: await r.json() };
}

export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

// {name: shown value} of a claims table: the raw number of a time, else the code text.
export async function shownClaims(page, tbody) {
  return page.$$eval(`${tbody} tr`, (rows) => Object.fromEntries(rows.map((tr) => {
    const cell = tr.querySelector('td.value');
    const raw = cell.querySelector('.raw');
    return [tr.dataset.name, (raw || cell.querySelector('code')).textContent];
  })));
}

export function expectedClaims(claims) {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

// Fields without a label, buttons without a name, and whether the page is wider than the screen.
export async function usability(page) {
  return page.evaluate(() => {
    const visible = (e) => e.offsetParent !== null || e.getClientRects().length > 0;
    const unlabelled = [...document.querySelectorAll('input, textarea, select')]
      .filter((e) => visible(e) && e.labels.length === 0 && !e.getAttribute('aria-label'))
      .map((e) => e.id || e.name || e.outerHTML.slice(0, 60));
    const nameless = [...document.querySelectorAll('button')]
      .filter((b) => visible(b) && !b.textContent.trim() && !b.getAttribute('aria-label')).map((b) => b.outerHTML.slice(0, 60));
    return { unlabelled, nameless, overflow: document.documentElement.scrollWidth - window.innerWidth };
  });
}

// One story that runs several at once (those that wait for renewals), each still counted.
export function together(...stories) {
  const all = async (c) => {
    await Promise.all(stories.map((s) => s(c).catch((e) => {
      c.failed++;
      console.error(`FAIL: ${s.name} threw: ${e && e.stack ? e.stack : e}`);
    })));
  };
  Object.defineProperty(all, 'name', { value: stories.map((s) => s.name).join(' + ') });
  return all;
}

export async function main(stories) {
  process.exitCode = await new Checks().run(stories);
}
