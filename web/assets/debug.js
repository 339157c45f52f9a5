// SPDX-License-Identifier: MIT
// web/assets/debug.js - the token debugger (/debug): decodes what is pasted as it is typed, shows
// the header and claims with what each registered name means and every time in local time, UTC
// and words, lists the warnings, and verifies the signature with WebCrypto against a pasted key or
// this server's JWKS. The token stays in this page: the only request the page makes is GET
// /.well-known/jwks.json, which carries nothing of it.

import {
  CLAIMS, HEADER, LIMITS, b64urlEncode, el, escapeHidden, isDate, layout, memberRows, nowSeconds, parseToken, refreshTimes,
  refusals, relative, span, warnings,
} from './jwt.js';
import { ALGS, chooseKey, readKeys, serverKeys, thumbprint, verifySignature } from './verify.js';

const $ = (id) => document.getElementById(id);
let current = null; // the decoded token
let generation = 0; // bumped on every edit: a verification of an older text is not shown

function showProblem(text) {
  $('problem').textContent = text;
  $('problem').hidden = !text;
}

function table(id, rows) {
  $(id).replaceChildren(...rows);
}

// Shows the pasted token; whatever goes wrong, nothing of an earlier token stays on show.
function render() {
  generation++;
  clearVerdict();
  current = null;
  $('result').hidden = true;
  const text = $('token').value;
  if (!text.trim()) {
    showProblem('');
    return;
  }
  try {
    show(parseToken(text));
  } catch (e) {
    current = null;
    $('result').hidden = true;
    showProblem(e.message);
  }
}

function show(tok) {
  showProblem('');
  const now = nowSeconds();
  $('notes').replaceChildren(...tok.notes.map((n) => el('li', {}, n)));
  $('notes').hidden = tok.notes.length === 0;
  const list = warnings(tok, now);
  list.push({ code: 'unverified', level: 'info',
    text: 'Decoded, NOT verified: reading a token checks neither its signature nor its claims. Verify it below.' });
  $('warnings').replaceChildren(...list.map((w) => el('li', { class: w.level, dataset: { warning: w.code } }, w.text)));
  $('kind').textContent = tok.kind === 'jwe' ? 'JWE (encrypted, 5 segments)' : tok.parts.length === 2 ? 'JWS without a signature segment' : 'JWS (signed, 3 segments)';
  table('header-rows', memberRows(tok.header, HEADER, now, tok.headerScan.raw));
  $('header-json').textContent = layout(tok.headerText, tok.headerScan.depth <= LIMITS.depth);
  const hasPayload = tok.kind !== 'jwe';
  $('claims-section').hidden = !hasPayload;
  $('verify-section').hidden = !hasPayload;
  if (hasPayload) {
    if (tok.payload) {
      table('claims-rows', memberRows(tok.payload, CLAIMS, now, tok.payloadScan.raw));
      $('claims-json').textContent = layout(tok.payloadText, tok.payloadScan.depth <= LIMITS.depth);
    } else {
      table('claims-rows', []);
      $('claims-json').textContent = escapeHidden(tok.payloadText);
    }
    $('claims-table').hidden = !tok.payload;
    $('lifetime').replaceChildren(...lifetime(tok.payload, now));
    $('signature').textContent = tok.signature && tok.signature.length
      ? `${tok.signature.length} bytes (${tok.parts[2].length} base64url characters), signed with ${escapeHidden(String(tok.header.alg))}.`
      : 'None.';
  }
  current = tok;
  $('result').hidden = false;
}

function lifetime(p, now) {
  if (!p || !isDate(p.exp)) return [];
  const from = isDate(p.iat) ? p.iat : isDate(p.nbf) ? p.nbf : null;
  const life = from !== null
    ? `It lives ${span(Math.max(0, Math.floor(p.exp - from)))} (from ${isDate(p.iat) ? 'iat' : 'nbf'} to exp) and `
    : 'It ';
  return [life, el('span', { class: 'rel', dataset: { time: String(p.exp), name: 'exp' } }, relative('exp', p.exp, now)), '.'];
}

// ---- verifying -------------------------------------------------------------------------------

function clearVerdict() {
  const v = $('verdict');
  v.replaceChildren();
  v.className = 'verdict';
  delete v.dataset.verdict;
  $('key-notes').replaceChildren();
}

function verdict(kind, ...lines) {
  const v = $('verdict');
  v.dataset.verdict = kind;
  v.className = `verdict ${kind}`;
  v.replaceChildren(...lines.map((l) => el('p', {}, l)));
}

function claimsVerdict(p, now) {
  if (!p) return 'The payload is not a JSON object: there are no claims to check.';
  const out = [];
  if (isDate(p.exp) && p.exp <= now) out.push(`it expired ${span(Math.floor(now - p.exp))} ago`);
  if (isDate(p.nbf) && p.nbf > now) out.push(`it is not valid for another ${span(Math.floor(p.nbf - now))}`);
  if (!('exp' in p)) out.push('it has no exp (libwristband refuses that unless told otherwise)');
  if (out.length) return `Even so, a verifier would refuse it now: ${out.join(', and ')}.`;
  return 'Its times are fine now (exp and nbf, no leeway). A verifier also checks iss, aud and typ against what it expects.';
}

async function verify() {
  clearVerdict();
  const mine = generation;
  const tok = current;
  if (!tok || tok.kind === 'jwe') {
    verdict('error', 'Paste a signed token first.');
    return;
  }
  const refused = refusals(tok);
  if (refused.length) {
    verdict('invalid', `Rejected: libwristband refuses this token whatever the key (${refused.join('; ')}).`,
      'The signature was not checked.');
    return;
  }
  const source = document.querySelector('input[name="keysource"]:checked').value;
  $('verify').disabled = true;
  verdict('working', 'Checking…');
  try {
    let keys;
    let notes = [];
    if (source === 'server') keys = await serverKeys();
    else ({ keys, notes } = await readKeys($('key').value, tok.header.alg));
    if (mine !== generation) return;
    $('key-notes').replaceChildren(...notes.map((n) => el('li', { class: 'warn' }, n)));
    const jwk = chooseKey(keys, tok.header);
    const result = await verifySignature(tok, jwk);
    if (mine !== generation) return;
    const which = `Key: ${jwk.kid ? `kid ${escapeHidden(JSON.stringify(jwk.kid))}` : 'without kid'}, ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''}, ` +
      `thumbprint ${await thumbprint(jwk)}${source === 'server' ? ', from this server\'s JWKS' : ''}.`;
    if (result.ok) verdict('valid', result.message, which, claimsVerdict(tok.payload, nowSeconds()));
    else verdict('invalid', result.message, which);
  } catch (e) {
    if (mine === generation) verdict('error', e.message);
  } finally {
    $('verify').disabled = false;
  }
}

function keySourceChanged() {
  const paste = document.querySelector('input[name="keysource"]:checked').value === 'paste';
  $('key-field').hidden = !paste;
  clearVerdict();
}

// ---- an example, made in this page -----------------------------------------------------------

// An ES256 key pair made by WebCrypto now, and a token signed with it: something to try
// the page on without pasting a real token.
async function example() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pub = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwk = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, kid: 'example', alg: 'ES256', use: 'sig' };
  const now = Math.floor(nowSeconds());
  const enc = (o) => b64urlEncode(new TextEncoder().encode(JSON.stringify(o)));
  const input = `${enc({ alg: 'ES256', typ: 'JWT', kid: 'example' })}.${enc({
    iss: location.origin, sub: 'example-user', aud: 'example-api', iat: now, nbf: now, exp: now + 900,
    jti: b64urlEncode(crypto.getRandomValues(new Uint8Array(12))), scope: 'openid' })}`;
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(input));
  $('token').value = `${input}.${b64urlEncode(sig)}`;
  $('ks-paste').checked = true;
  $('key').value = JSON.stringify({ keys: [jwk] }, null, 2);
  keySourceChanged();
  render();
}

// ---- wiring ------------------------------------------------------------------------------------

$('token').addEventListener('input', render);
$('clear').addEventListener('click', () => {
  $('token').value = '';
  $('key').value = ''; // a pasted key may be a secret: it goes with the token
  render();
  $('token').focus();
});
$('example').addEventListener('click', example);
$('verify').addEventListener('click', verify);
$('key').addEventListener('input', clearVerdict);
for (const r of document.querySelectorAll('input[name="keysource"]')) r.addEventListener('change', keySourceChanged);
$('algs').textContent = Object.keys(ALGS).join(', ');
$('tz').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
setInterval(() => refreshTimes($('result'), nowSeconds()), 1000);
keySourceChanged();
render();
