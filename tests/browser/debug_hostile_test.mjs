// SPDX-License-Identifier: MIT
// tests/browser/debug_hostile_test.mjs - the token debugger (/debug) against tokens and keys made to
// fool it. Its verdict is libwristband's: every token and key below also goes to `wristband
// verify`, and the page says "valid" exactly when the library accepts (crit, b64:false, header
// members of the wrong type, duplicate names, JSON past the library's limits, a lone surrogate, a
// payload that is no object, the kid rules, key sets the library refuses, an HMAC token checked
// with an RSA public key). What it shows is what the token holds: numbers beyond JavaScript's
// precision as written, characters that reorder or hide text (bidi controls, zero-width) as
// escapes with a warning, prototype names as plain names, markup as text; a token nested
// thousands deep leaves no script error and none of the previous token on the page. A private key
// anywhere in pasted PEM text is refused. No request carries a token or a key.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, Server, context, launch, main } from './lib.mjs';

let server;
let browser;
let ctx;
let page;
const secrets = [];
const now = Math.floor(Date.now() / 1000);

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hmacKey = crypto.randomBytes(32);
const oct = (extra = {}) => ({ kty: 'oct', k: hmacKey.toString('base64url'), ...extra });
const otherOct = (extra = {}) => ({ kty: 'oct', k: crypto.randomBytes(64).toString('base64url'), ...extra });
const claims = JSON.stringify({ sub: 'bob', exp: now + 600 });

// An HS256 token over header (an object or the exact JSON text) and the payload text (encoded
// unless raw), signed with secret.
function hs(header, payload, { raw = false, secret = hmacKey } = {}) {
  const input = `${b64(header)}.${raw ? payload : b64(payload)}`;
  const token = `${input}.${crypto.createHmac('sha256', secret).update(input).digest('base64url')}`;
  secrets.push(token);
  return token;
}

function es256(header, payload, privateKey) {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = crypto.sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const token = `${input}.${sig.toString('base64url')}`;
  secrets.push(token);
  return token;
}

// libwristband's decision: exit status of `wristband verify` (0 accepted, 1 rejected, 2 key refused).
function library(token, keyText) {
  const file = path.join(server.dir, 'hostile-key');
  writeFileSync(file, keyText, { mode: 0o600 });
  return spawnSync(BIN, ['verify', '--key', file, '--allow-no-exp', token], { encoding: 'utf8' }).status;
}

async function verdict(token, keyText) {
  await page.fill('#token', token);
  await page.check('#ks-paste');
  await page.fill('#key', keyText);
  await page.click('#verify');
  await page.waitForFunction(() => ['valid', 'invalid', 'error'].includes(document.querySelector('#verdict').dataset.verdict));
  return { verdict: await page.getAttribute('#verdict', 'data-verdict'), text: await page.textContent('#verdict') };
}

const warningsShown = () => page.$$eval('#warnings li', (lis) => lis.map((l) => l.dataset.warning));
const cell = (name) => page.textContent(`#claims-rows tr[data-name="${name}"] td.value`);

async function testVerdictsAreTheLibrarys(c) {
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ecPub = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'e1' };
  const ecPriv = { ...crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'e2' };
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
  secrets.push(hmacKey.toString('base64url'), ecPriv.d);
  const deep = `{"sub":"bob","a":${'['.repeat(70)}${']'.repeat(70)}}`;
  const wide = JSON.stringify(Object.fromEntries([...Array(1100).keys()].map((i) => [`m${i}`, i])));
  const cases = [
    ['a plain HS256 token', hs({ alg: 'HS256' }, claims), oct(), true],
    ['crit naming a claim', hs({ alg: 'HS256', crit: ['exp'], exp: 1 }, claims), oct()],
    ['b64:false with crit (RFC 7797)', hs({ alg: 'HS256', b64: false, crit: ['b64'] }, 'e30', { raw: true }), oct()],
    ['b64:false without crit', hs({ alg: 'HS256', b64: false }, 'e30', { raw: true }), oct()],
    ['b64 as a string', hs({ alg: 'HS256', b64: 'true' }, claims), oct()],
    ['kid a number', hs({ alg: 'HS256', kid: 5 }, claims), oct()],
    ['typ a number', hs({ alg: 'HS256', typ: 1 }, claims), oct()],
    ['a header naming kid twice', hs('{"alg":"HS256","kid":"a","kid":"b"}', claims), oct({ kid: 'b' })],
    ['claims naming sub twice', hs({ alg: 'HS256' }, `{"sub":"a","sub":"b","exp":${now + 600}}`), oct()],
    ['a payload that is not JSON', hs({ alg: 'HS256' }, 'hello'), oct()],
    ['a payload that is an array', hs({ alg: 'HS256' }, '[1,2]'), oct()],
    ['claims nested 70 deep', hs({ alg: 'HS256' }, deep), oct()],
    ['1100 claims', hs({ alg: 'HS256' }, wide), oct()],
    ['a lone surrogate in a claim', hs({ alg: 'HS256' }, `{"sub":"\\ud800","exp":${now + 600}}`), oct()],
    ['a number beyond 2^64', hs({ alg: 'HS256' }, `{"sub":"b","n":18446744073709551615,"exp":${now + 600}}`), oct(), true],
    ['kid Y, a set of a key without kid and key X', hs({ alg: 'HS256', kid: 'Y' }, claims),
      { keys: [oct(), otherOct({ kid: 'X' })] }],
    ['kid Y, a set of one key without kid', hs({ alg: 'HS256', kid: 'Y' }, claims), { keys: [oct()] }, true],
    ['kid X pinned to HS512, beside a key without kid that fits', hs({ alg: 'HS256', kid: 'X' }, claims),
      { keys: [oct(), otherOct({ kid: 'X', alg: 'HS512' })] }],
    ['a set with kid X twice', hs({ alg: 'HS256', kid: 'X' }, claims), { keys: [oct({ kid: 'X' }), otherOct({ kid: 'X' })] }],
    ['a set mixing an HMAC key and an EC key', hs({ alg: 'HS256' }, claims), { keys: [oct(), ecPub] }],
    ['a set mixing a private and a public EC key', es256({ alg: 'ES256', kid: 'e1' }, { sub: 'bob', exp: now + 600 }, ec.privateKey),
      { keys: [ecPub, ecPriv] }],
    ['an ES256 token and its key', es256({ alg: 'ES256', kid: 'e1' }, { sub: 'bob', exp: now + 600 }, ec.privateKey),
      { keys: [ecPub] }, true],
    ['a key whose use is neither sig nor enc', hs({ alg: 'HS256' }, claims), oct({ use: 'other' })],
    ['HS256 signed with an RSA public key, checked with that key', hs({ alg: 'HS256' }, claims, { secret: Buffer.from(rsaPem) }),
      rsaPem],
  ];
  for (const [name, token, key, accepted = false] of cases) {
    const keyText = typeof key === 'string' ? key : JSON.stringify(key);
    const lib = library(token, keyText);
    c.eq(lib === 0, accepted, `${name}: libwristband ${accepted ? 'accepts' : 'rejects'} it (exit ${lib})`);
    const page = await verdict(token, keyText);
    c.eq(page.verdict === 'valid', lib === 0, `${name}: the page says ${page.verdict}: ${page.text}`);
  }
  // A JavaScript prototype name as the alg or a key type: refused in words, not with a TypeError.
  for (const [alg, key] of [['constructor', { keys: [{ kty: 'constructor' }] }], ['__proto__', { kty: 'toString', k: 'AAAA' }]]) {
    const v = await verdict(hs({ alg }, claims), JSON.stringify(key));
    c.check(v.verdict === 'error' && !/iterable|undefined|is not a/.test(v.text), `alg ${alg}: ${v.text}`);
  }
  c.eq(ctx.problems, [], 'no CSP report, no script error');
}

async function testShownAsWritten(c) {
  // Numbers as the token wrote them, in the table and in the JSON.
  await page.fill('#token', hs({ alg: 'HS256' }, `{"sub":"b","n":18446744073709551615,"ids":[9007199254740993],"exp":${now + 600}}`));
  c.eq(await cell('n'), '18446744073709551615', 'a number beyond 2^64 as written');
  c.eq(await cell('ids'), '[9007199254740993]', 'a number beyond 2^53 in an array as written');
  const json = await page.textContent('#claims-json');
  c.check(json.includes('18446744073709551615') && json.includes('9007199254740993'), `and in the JSON: ${json}`);

  // Names and values that read as something else.
  await page.fill('#token', hs({ alg: 'HS256' }, JSON.stringify({ sub: 'bob', '\u202ebus': 'admin', 'sub\u200b': 'root',
    role: 'user\u202e\u2066nimda', exp: now + 600 })));
  const names = await page.$$eval('#claims-rows th code', (cs) => cs.map((x) => x.textContent));
  c.eq(names.filter((n) => n === 'sub').length, 1, `one row reads "sub": ${JSON.stringify(names)}`);
  const shown = await page.textContent('#result');
  c.check(!/[\u202a-\u202e\u2066-\u2069\u200b-\u200f]/.test(shown), 'no bidi control or zero-width character reaches the page');
  c.check(shown.includes('\\u202e') && shown.includes('\\u200b'), 'they are shown as escapes');
  c.check((await warningsShown()).includes('hidden-text'), 'with a warning');

  // Prototype names are names; markup is text.
  await page.fill('#token', hs('{"alg":"HS256","__proto__":{"alg":"none"}}', `{"__proto__":{"exp":1},"constructor":{"prototype":{"x":1}},"sub":"<img src=x onerror=alert(1)>","<svg onload=alert(1)>":"javascript:alert(1)","exp":${now + 600}}`));
  c.eq(await cell('__proto__'), '{"exp":1}', '__proto__ is a claim like any other');
  c.eq(await cell('sub'), '<img src=x onerror=alert(1)>', 'markup is shown as text');
  c.eq(await page.$$eval('#result img, #result svg, #result script', (x) => x.length), 0, 'and makes no element');

  // Thousands deep, after a good token: the page shows the new token, not a mix of the two.
  await page.fill('#token', hs({ alg: 'HS256' }, JSON.stringify({ sub: 'good-token', exp: now + 600 })));
  await page.fill('#token', hs({ alg: 'HS256' }, `{"sub":"deep","a":${'['.repeat(20000)}${']'.repeat(20000)}}`));
  c.check(!(await page.textContent('#main')).includes('good-token'), 'nothing of the previous token is left on the page');
  c.check((await warningsShown()).includes('library-refuses'), 'the depth is flagged: libwristband refuses it');
  c.eq(ctx.problems, [], 'no CSP report, no script error');
}

async function testPrivateKeyInPem(c) {
  const dir = server.dir;
  const p = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${dir}/k.pem`, '-out', `${dir}/c.pem`, '-subj', '/CN=hostile', '-days', '1'], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(p.stderr);
  const cert = readFileSync(`${dir}/c.pem`, 'utf8');
  const key = readFileSync(`${dir}/k.pem`, 'utf8');
  secrets.push(key.split('\n')[1]);
  await page.fill('#token', hs({ alg: 'ES256' }, claims));
  for (const [what, text] of [['a certificate followed by its private key', cert + key],
    ['a private key after a preamble', `Bag Attributes\n    localKeyID: 01\n${key}`]]) {
    const v = await verdict(await page.inputValue('#token'), text);
    c.check(v.verdict === 'error' && v.text.includes('PRIVATE key'), `${what} is refused as a private key: ${v.text}`);
  }
}

// Last: nothing the page was given left it.
async function testNothingLeaves(c) {
  const leaks = ctx.requests.filter((r) => {
    const all = `${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`;
    return secrets.some((s) => [s, ...s.split('.').filter((x) => x.length >= 16)].some((x) => all.includes(x)));
  });
  c.eq(leaks.map((r) => r.url), [], 'no request carries a token, a piece of one, or a key');
}

await main([async function setup() {
  server = await new Server().start();
  browser = await launch();
  ctx = await context(browser);
  page = await ctx.newPage();
  await page.goto(server.url('/debug'));
}, testVerdictsAreTheLibrarys, testShownAsWritten, testPrivateKeyInPem, testNothingLeaves, async function teardown() {
  if (browser) await browser.close();
  if (server) await server.stop();
}]);
