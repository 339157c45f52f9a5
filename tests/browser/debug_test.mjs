// SPDX-License-Identifier: MIT
// tests/browser/debug_test.mjs - the token debugger (/debug) in Chromium: a token the server
// signed is decoded (header and claims as the token holds them, registered claims explained,
// times in local time, UTC and words) and verifies against the server's JWKS; tokens the CLI
// signed verify against a pasted JWK, JWK Set or PEM for RS256, PS256, ES384, EdDSA and HS256;
// a tampered token and a wrong key are rejected; alg none, an expired token, no exp, a long
// lifetime, sensitive-looking claims, duplicate names and a JWE are flagged; a private key is
// refused; the verify button is reached and pressed by keyboard; on a phone nothing scrolls
// sideways; and no request the page makes carries a token or a secret (every request is watched).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Server, context, expectedClaims, launch, main, screenshot, shownClaims, usability } from './lib.mjs';

let server;
let browser;
let ctx;
let page;
const secrets = []; // every token and key secret given to the page: no request may carry one

// `wristband ARGS` with input on stdin: its output.
function cli(input, ...args) {
  const p = spawnSync(BIN, args, { input, encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`wristband ${args.join(' ')}: ${p.stderr}`);
  return p.stdout.trim();
}

function b64(obj) {
  return Buffer.from(typeof obj === 'string' ? obj : JSON.stringify(obj)).toString('base64url');
}

// A key pair from the CLI: {priv: private JWK text, pub: public JWK object}.
function keypair(alg, ...extra) {
  const priv = cli('', 'keygen', alg, ...extra);
  secrets.push(JSON.parse(priv).d || JSON.parse(priv).k);
  return { priv, pub: alg.startsWith('HS') ? JSON.parse(priv) : JSON.parse(cli(priv, 'pubkey', '-')) };
}

function openssl(...args) {
  const p = spawnSync('openssl', args, { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${p.stderr}`);
}

function sign(key, ...args) {
  const file = path.join(server.dir, `key-${secrets.length}.jwk`);
  writeFileSync(file, key, { mode: 0o600 });
  const token = cli('', 'sign', '--key', file, ...args);
  secrets.push(token);
  return token;
}

function tamper(token) {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.sub = 'someone-else';
  return `${h}.${b64(claims)}.${s}`;
}

async function paste(token) {
  await page.fill('#token', token);
}

const warningsShown = () => page.$$eval('#warnings li', (lis) => lis.map((l) => l.dataset.warning));

// Verifies the pasted token: against the server's keys (key null) or the given key text.
async function verify(key = null) {
  await page.check(key === null ? '#ks-server' : '#ks-paste');
  if (key !== null) await page.fill('#key', key);
  await page.click('#verify');
  await page.waitForFunction(() => ['valid', 'invalid', 'error'].includes(document.querySelector('#verdict').dataset.verdict));
  return { verdict: await page.getAttribute('#verdict', 'data-verdict'), text: await page.textContent('#verdict') };
}

async function testServerToken(c) {
  server.addUser('alice', ['admin']);
  const { access_token: token } = await server.login('alice');
  secrets.push(token);
  await paste(token);
  await page.locator('#result').waitFor({ state: 'visible' });
  const [h, p] = token.split('.').slice(0, 2).map((s) => JSON.parse(Buffer.from(s, 'base64url')));
  c.eq(await shownClaims(page, '#header-rows'), expectedClaims(h), 'the header shown is the token\'s');
  c.eq(await shownClaims(page, '#claims-rows'), expectedClaims(p), 'the claims shown are the token\'s');
  c.eq(JSON.parse(await page.textContent('#claims-json')), p, 'the claims as JSON');
  const exp = await page.textContent('#claims-rows tr[data-name="exp"] td.value');
  c.check(exp.includes(new Date(p.exp * 1000).toISOString().replace('.000Z', 'Z')) && /CET|CEST/.test(exp) &&
    /expires in \d+ seconds/.test(exp), `exp in local time, UTC and words: ${exp}`);
  c.check((await page.textContent('#header-rows tr[data-name="typ"]')).includes('RFC 9068'), 'typ explained');
  c.check((await page.textContent('#claims-rows tr[data-name="jti"]')).includes('JWT ID'), 'jti explained');
  c.eq(await warningsShown(), ['unverified'], 'only the "not verified" note');
  const v = await verify();
  c.eq(v.verdict, 'valid', `verifies against this server's JWKS: ${v.text}`);
  c.check(v.text.includes(h.kid), 'names the key by its kid');
  c.check(v.text.includes('Its times are fine now'), 'and its times are fine');
  await screenshot(page, 'debug.png');
  const bad = await (paste(tamper(token)), verify());
  c.eq(bad.verdict, 'invalid', `a tampered token is rejected: ${bad.text}`);
  c.check(bad.text.includes('does NOT match'), 'says the signature does not match');
  const parts = token.split('.');
  const flipped = `${parts[0]}.${parts[1]}.${parts[2][0] === 'A' ? 'B' : 'A'}${parts[2].slice(1)}`;
  c.eq((await (paste(flipped), verify())).verdict, 'invalid', 'a changed signature is rejected');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
}

async function testPastedKeys(c) {
  const cases = [
    ['RS256', keypair('RS256'), (k) => cli(k.priv, 'pubkey', '--pem', '-'), 'a PEM public key'],
    ['PS256', keypair('PS256'), (k) => JSON.stringify(k.pub), 'a JWK'],
    ['ES384', keypair('ES384'), (k) => JSON.stringify({ keys: [keypair('ES384').pub, k.pub] }), 'a JWK Set of two'],
    ['EdDSA', keypair('EdDSA'), (k) => JSON.stringify(k.pub), 'an Ed25519 JWK'],
    ['HS256', keypair('HS256'), (k) => JSON.stringify(k.pub), 'an oct JWK'],
  ];
  for (const [alg, key, keyText, what] of cases) {
    const token = sign(key.priv, '--sub', 'bob', '--exp', '10m', '--jti');
    await paste(token);
    const text = keyText(key);
    const ok = await verify(text);
    c.eq(ok.verdict, 'valid', `${alg} against ${what}: ${ok.text}`);
    c.eq((await (paste(tamper(token)), verify(text))).verdict, 'invalid', `${alg}: the tampered token is rejected`);
  }
  // A certificate (its public key; the certificate itself is not checked) and a PKCS#1 RSA key,
  // from openssl.
  for (const [alg, req, pub] of [
    ['ES256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], (dir) => `${dir}/cert.pem`],
    ['RS256', ['-newkey', 'rsa:2048'], (dir) => { openssl('rsa', '-in', `${dir}/key.pem`, '-RSAPublicKey_out', '-out', `${dir}/rsa.pem`); return `${dir}/rsa.pem`; }]]) {
    const dir = server.dir;
    openssl('req', '-x509', ...req, '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`, '-subj', '/CN=wristband test', '-days', '1');
    await paste(sign(readFileSync(`${dir}/key.pem`, 'utf8'), '--alg', alg, '--sub', 'carol'));
    const text = readFileSync(pub(dir), 'utf8');
    const what = text.includes('CERTIFICATE') ? 'an X.509 certificate' : 'a PKCS#1 RSA PUBLIC KEY';
    const ok = await verify(text);
    c.eq(ok.verdict, 'valid', `${alg} against ${what}: ${ok.text}`);
  }
  // The wrong key: same algorithm, another key.
  const [one, other] = [keypair('ES256', '--kid', 'k1'), keypair('ES256', '--kid', 'k1')];
  await paste(sign(one.priv));
  c.eq((await verify(JSON.stringify(other.pub))).verdict, 'invalid', 'another key with the same kid: invalid');
  const wrongKid = await verify(JSON.stringify({ ...other.pub, kid: 'k2' }));
  c.check(wrongKid.verdict === 'error' && wrongKid.text.includes('"k1"'), `a key with another kid is not tried: ${wrongKid.text}`);
  const rsa = await verify(JSON.stringify({ ...keypair('RS256').pub, kid: 'k1' }));
  c.check(rsa.verdict === 'error' && rsa.text.includes('is RSA, not EC'), `an RSA key with the kid, for ES256: ${rsa.text}`);
  const pem = cli('', 'keygen', 'ES256', '--pem');
  secrets.push(pem.split('\n')[1]);
  const priv = await verify(pem);
  c.check(priv.verdict === 'error' && priv.text.includes('PRIVATE key'), `a private PEM key is refused: ${priv.text}`);
  const privJwk = await verify(one.priv);
  c.eq(privJwk.verdict, 'valid', 'a private JWK verifies with its public part');
  c.check((await page.textContent('#key-notes')).includes('PRIVATE part'), 'and the page says it held a private part');
  c.eq((await verify('not a key')).verdict, 'error', 'junk as a key: an error, not a verdict');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
}

async function testWarnings(c) {
  const now = Math.floor(Date.now() / 1000);
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', exp: now + 600 })}.`;
  secrets.push(none);
  await paste(none);
  c.check((await warningsShown()).includes('alg-none'), 'alg none is flagged');
  c.eq(await page.getAttribute('#warnings li[data-warning="alg-none"]', 'class'), 'bad', 'as bad');
  c.check((await warningsShown()).includes('signature'), 'with the CLI\'s "unsigned token" warning');
  const v = await verify();
  c.check(v.verdict === 'error' && v.text.includes('"none"'), `alg none is never verified: ${v.text}`);

  const key = keypair('ES256');
  const expired = sign(key.priv, '--sub', 'bob', '--now', String(now - 4 * 3600), '--exp', '1h');
  await paste(expired);
  c.check((await warningsShown()).includes('expired'), 'an expired token is flagged');
  c.check((await page.textContent('#warnings')).includes('Expired 3 hours ago'), 'with how long ago');
  const exp = await page.textContent('#claims-rows tr[data-name="exp"] td.value');
  c.check(exp.includes('expired 3 hours ago'), `exp says expired 3 hours ago: ${exp}`);
  const ok = await verify(JSON.stringify(key.pub));
  c.check(ok.verdict === 'valid' && ok.text.includes('would refuse it now: it expired 3 hours ago'),
    `a good signature, but expired: ${ok.text}`);

  await paste(sign(key.priv, '--exp', 'none', '--claim', 'password=hunter2', '--claim', 'user={"api_key":"k"}'));
  const w = await warningsShown();
  c.check(w.includes('no-exp') && w.includes('sensitive'), `no exp and sensitive names: ${w}`);
  c.check((await page.textContent('#warnings')).includes('password, user.api_key'), 'the sensitive names listed');
  await paste(sign(key.priv, '--exp', '30d'));
  c.check((await warningsShown()).includes('long-lifetime'), 'a 30-day lifetime is flagged');
  c.check((await page.textContent('#warnings')).includes('30 days'), 'with its length');
  const dup = `${b64('{"alg":"ES256","alg":"none"}')}.${b64({ sub: 'x', exp: now + 60 })}.AAAA`;
  await paste(dup);
  c.check((await warningsShown()).includes('duplicates'), 'a header with a name twice is flagged');
  const jwe = `${b64({ alg: 'dir', enc: 'A256GCM' })}..${b64('iv-iv-iv-iv')}.${b64('ciphertext')}.${b64('tag-tag-tag-tag')}`;
  await paste(jwe);
  c.check((await warningsShown()).includes('jwe'), 'a JWE is flagged');
  c.check(await page.locator('#claims-section').isHidden(), 'and no claims are made up for it');
  await paste('Bearer ' + expired.slice(0, 40) + '\n' + expired.slice(40));
  c.check((await page.textContent('#notes')).includes('Bearer'), 'a pasted Authorization header is read, with a note');
  await paste('a.b.c.d');
  c.check((await page.textContent('#problem')).includes('has 4'), 'four segments: a clear problem');
  await paste('!!!.e30.');
  c.check((await page.textContent('#problem')).includes('not base64url'), 'not base64url: a clear problem');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
}

async function testKeyboardAndExample(c) {
  await page.click('#example');
  await page.locator('#key').waitFor({ state: 'visible' }); /* the example picks a pasted key */
  await page.fill('#key', '{"kty":"oct","k":"c2VjcmV0"}');
  await page.click('#clear');
  c.eq(await page.inputValue('#key'), '', 'Clear empties the key field too (a pasted key is a secret)');
  c.eq(await page.evaluate(() => document.activeElement.id), 'token', 'Clear puts the focus in the token field');
  await page.click('#example');
  await page.locator('#result').waitFor({ state: 'visible' });
  // From the token field, Tab reaches Verify; Enter presses it.
  await page.focus('#token');
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement.id === 'verify');
  }
  c.check(reached, 'Tab reaches the Verify button');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#verdict').dataset.verdict === 'valid');
  c.check(true, 'the example token, made and signed in the page, verifies');
  const u = await usability(page);
  c.eq([u.unlabelled, u.nameless], [[], []], 'every field labelled, every button named');
}

async function testPhone(c) {
  const phone = await context(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await p.goto(server.url('/debug'));
  await p.fill('#token', secrets[0]);
  await p.locator('#result').waitFor({ state: 'visible' });
  const u = await usability(p);
  c.eq([u.unlabelled, u.nameless, u.overflow <= 0], [[], [], true], `phone: no sideways scrolling (${u.overflow})`);
  await screenshot(p, 'debug-phone.png');
  ctx.requests.push(...phone.requests);
  await phone.close();
}

// Last: every request of every page, against every token and secret handed to the pages.
async function testNothingLeaves(c) {
  const leaks = [];
  for (const r of ctx.requests) {
    const all = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
    for (const s of secrets) {
      const pieces = [s, ...s.split('.').filter((x) => x.length >= 16)];
      if (pieces.some((x) => all.includes(x))) leaks.push(`${r.method} ${r.url}`);
    }
  }
  c.eq(leaks, [], 'no request carries a token, a piece of one, or a secret');
  const paths = [...new Set(ctx.requests.map((r) => `${r.method} ${new URL(r.url).pathname}`))].sort();
  c.eq(paths, ['GET /.well-known/jwks.json', 'GET /assets/debug.js', 'GET /assets/favicon.svg', 'GET /assets/jwt.js',
    'GET /assets/style.css', 'GET /assets/verify.js', 'GET /debug'], 'the only requests: the page, its files, the JWKS');
  c.check(ctx.requests.length > 7 && secrets.length > 10, `watched ${ctx.requests.length} requests, ${secrets.length} secrets`);
}

await main([async function setup() {
  server = await new Server().start();
  browser = await launch();
  ctx = await context(browser);
  page = await ctx.newPage();
  await page.goto(server.url('/debug'));
}, testServerToken, testPastedKeys, testWarnings, testKeyboardAndExample, testPhone, testNothingLeaves,
async function teardown() {
  if (browser) await browser.close();
  if (server) await server.stop();
}]);
