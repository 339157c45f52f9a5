// SPDX-License-Identifier: MIT
// web/assets/verify.js - checking a token's signature inside the page with WebCrypto, against a
// pasted JWK, JWK Set or PEM public key (SPKI, PKCS#1 RSA, or the first certificate of a chain)
// or this server's JWKS. The key is chosen as libwristband chooses it: the key with the token's
// kid, which must then fit the token's alg (type, curve, alg, use, key_ops), else - a token
// without kid, or a lone key without kid - the only key that fits; sets the library refuses
// (a kid twice, HMAC keys beside public keys, private keys beside public ones) are refused; alg
// none is never verified; RSA keys under 2048 bits and HMAC keys shorter than their hash are
// refused; ECDSA signatures must be exactly R||S of the curve's size. Private keys are refused in
// PEM (any block of the text) and reduced to their public part in a JWK, with a note saying so.
// Names a token or key chooses (alg, kty) are looked up as own properties only: "constructor" is
// no algorithm.

import { b64urlDecode, b64urlEncode, escapeHidden } from './jwt.js';

const rsa = (hash, name, extra = {}) => ({ kty: 'RSA', imp: { name, hash }, ver: { name, ...extra } });
const ec = (crv, hash, sigLen) =>
  ({ kty: 'EC', crv: [crv], imp: { name: 'ECDSA', namedCurve: crv }, ver: { name: 'ECDSA', hash }, sigLen });
const ed = (crvs) => ({ kty: 'OKP', crv: crvs, imp: { name: 'Ed25519' }, ver: { name: 'Ed25519' }, sigLen: 64 });
const hmac = (hash, minLen) => ({ kty: 'oct', imp: { name: 'HMAC', hash }, ver: { name: 'HMAC' }, minLen });

export const ALGS = {
  RS256: rsa('SHA-256', 'RSASSA-PKCS1-v1_5'), RS384: rsa('SHA-384', 'RSASSA-PKCS1-v1_5'),
  RS512: rsa('SHA-512', 'RSASSA-PKCS1-v1_5'),
  PS256: rsa('SHA-256', 'RSA-PSS', { saltLength: 32 }), PS384: rsa('SHA-384', 'RSA-PSS', { saltLength: 48 }),
  PS512: rsa('SHA-512', 'RSA-PSS', { saltLength: 64 }),
  ES256: ec('P-256', 'SHA-256', 64), ES384: ec('P-384', 'SHA-384', 96), ES512: ec('P-521', 'SHA-512', 132),
  EdDSA: ed(['Ed25519', 'Ed448']), Ed25519: ed(['Ed25519']),
  HS256: hmac('SHA-256', 32), HS384: hmac('SHA-384', 48), HS512: hmac('SHA-512', 64),
};

const PUBLIC_MEMBERS = { RSA: ['kty', 'n', 'e'], EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'], oct: ['kty', 'k'] };
const own = (table, name) => (typeof name === 'string' && Object.hasOwn(table, name) ? table[name] : undefined);
const quoted = (v) => escapeHidden(JSON.stringify(v) ?? String(v));

// ---- DER, just enough for PEM ----------------------------------------------------------------

function tlv(b, pos) {
  if (pos + 2 > b.length) throw new Error('truncated DER');
  let len = b[pos + 1];
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4 || pos + 2 + n > b.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[pos + 2 + i];
    hdr += n;
  }
  if (pos + hdr + len > b.length) throw new Error('truncated DER');
  return { tag: b[pos], from: pos, start: pos + hdr, end: pos + hdr + len };
}

function children(b, t) {
  const out = [];
  for (let p = t.start; p < t.end;) {
    const c = tlv(b, p);
    out.push(c);
    p = c.end;
  }
  return out;
}

// Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
// signature, issuer, validity, subject, subjectPublicKeyInfo, ... }, ... }
function spkiOfCertificate(der) {
  const tbs = tlv(der, tlv(der, 0).start);
  const fields = children(der, tbs);
  const first = fields[0] && fields[0].tag === 0xa0 ? 1 : 0;
  const spki = fields[first + 5];
  if (!spki || spki.tag !== 0x30) throw new Error('no public key found in the certificate');
  return der.slice(spki.from, spki.end);
}

function derOf(tag, content) {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Uint8Array.from([tag, ...len, ...content]);
}

// RSAPublicKey (PKCS#1) inside a SubjectPublicKeyInfo with rsaEncryption.
function spkiOfPkcs1(pkcs1) {
  const rsaEncryption = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];
  return derOf(0x30, [...rsaEncryption, ...derOf(0x03, [0, ...pkcs1])]);
}

function base64Bytes(text) {
  const bin = atob(text.replace(/\s+/g, ''));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// ---- reading keys ------------------------------------------------------------------------------

// The PEM text's public key as a JWK, imported for alg (a PEM key says nothing of its algorithm).
async function pemKey(text, alg, notes) {
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g)];
  if (!blocks.length) throw new Error('This PEM text has no complete BEGIN/END block.');
  const label = blocks[0][1];
  if (blocks.some((b) => /PRIVATE KEY/.test(b[1])) || /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text))
    throw new Error('This is a PRIVATE key. Paste the public key: a private key belongs in no web page ' +
      '(and anyone who saw this one can sign as its owner: consider replacing it).');
  if (blocks.length > 1 && label !== 'CERTIFICATE')
    throw new Error(`${blocks.length} PEM blocks: paste exactly one public key (libwristband refuses ambiguous PEM too).`);
  let der;
  try {
    der = base64Bytes(blocks[0][2]);
    if (label === 'PUBLIC KEY') der = der.slice();
    else if (label === 'RSA PUBLIC KEY') der = spkiOfPkcs1(der);
    else if (label === 'CERTIFICATE') {
      der = spkiOfCertificate(der);
      notes.push(blocks.length > 1 ? 'Used the public key of the first certificate; the chain was not checked.'
        : 'Used the certificate\'s public key; the certificate itself was not checked.');
    } else throw new Error(`a PEM "${label}" block is not a public key`);
  } catch (e) {
    throw new Error(`Cannot read this PEM: ${e.message}.`);
  }
  const spec = own(ALGS, alg);
  if (!spec || spec.kty === 'oct') throw new Error(`A PEM public key cannot verify a token signed with ${quoted(alg)}.`);
  let key;
  try {
    key = await crypto.subtle.importKey('spki', der, spec.imp, true, ['verify']);
  } catch (e) {
    throw new Error(`This PEM key does not fit ${alg}, or it is not a key this browser can import (${e.name}).`);
  }
  return crypto.subtle.exportKey('jwk', key);
}

// Public members only; notes when a private part was dropped.
function publicPart(jwk, notes) {
  const members = own(PUBLIC_MEMBERS, jwk.kty);
  if (!members) return null;
  if (jwk.kty !== 'oct' && 'd' in jwk)
    notes.push(`The key ${jwk.kid ? `"${jwk.kid}" ` : ''}holds a PRIVATE part: only its public part was used. ` +
      'A private key belongs in no web page: consider it exposed.');
  const out = {};
  for (const m of members) if (m in jwk) out[m] = jwk[m];
  for (const m of ['kid', 'alg', 'use', 'key_ops']) if (m in jwk) out[m] = jwk[m];
  return out;
}

// Text (a JWK, a JWK Set or PEM) to {keys: [jwk], notes: [text]}. Throws with a sentence.
export async function readKeys(text, alg) {
  const notes = [];
  const t = text.trim();
  if (t === '') throw new Error('Paste a key first: a JWK, a JWK Set or a PEM public key.');
  if (!t.startsWith('{') && t.includes('-----BEGIN')) return { keys: [await pemKey(t, alg, notes)], notes };
  let v;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new Error(`Not a key: neither PEM nor JSON (${e.message}).`);
  }
  let list;
  if (v && Array.isArray(v.keys)) list = v.keys;
  else if (v && typeof v === 'object' && typeof v.kty === 'string') list = [v];
  else throw new Error('This JSON is neither a JWK (it has no "kty") nor a JWK Set (it has no "keys" array).');
  const known = list.filter((k) => k && typeof k === 'object' && own(PUBLIC_MEMBERS, k.kty));
  checkSet(known);
  const keys = [];
  for (const k of list) {
    const p = k && typeof k === 'object' ? publicPart(k, notes) : null;
    if (p) keys.push(p);
    else notes.push(`Skipped a key of type ${k && k.kty ? quoted(k.kty) : '(none)'}: not RSA, EC, OKP or oct.`);
  }
  if (!keys.length) throw new Error('No usable key in this JSON.');
  return { keys, notes };
}

// What libwristband refuses in a set of keys (of known types), whatever the token: a kid twice,
// HMAC secrets beside public keys (the setting of algorithm confusion), private keys beside
// public ones, a "use" other than sig or enc. Throws with a sentence.
export function checkSet(keys) {
  const kids = new Set();
  for (const k of keys) {
    if (k.kid !== undefined && kids.has(k.kid)) throw new Error(`Two keys have kid ${quoted(k.kid)}: libwristband refuses such a set.`);
    kids.add(k.kid);
    if (k.use !== undefined && k.use !== 'sig' && k.use !== 'enc')
      throw new Error(`A key has "use" ${quoted(k.use)}: it must be "sig" or "enc" (libwristband refuses the key).`);
  }
  const hmac = keys.filter((k) => k.kty === 'oct').length;
  if (hmac && hmac < keys.length)
    throw new Error('This set mixes HMAC secrets (oct) with public keys: libwristband refuses such a set, the setting of algorithm-confusion attacks.');
  const priv = keys.filter((k) => k.kty !== 'oct' && 'd' in k).length;
  if (priv && priv < keys.length)
    throw new Error('This set mixes private and public keys: libwristband refuses such a set (and a private key belongs in no web page).');
}

// ---- choosing the key ------------------------------------------------------------------------

function fits(jwk, alg, spec) {
  if (jwk.kty !== spec.kty) return `is ${escapeHidden(String(jwk.kty))}, not ${spec.kty}`;
  if (spec.crv && !spec.crv.includes(jwk.crv)) return `is on ${quoted(jwk.crv)}, not ${spec.crv.join(' or ')}`;
  if (jwk.alg && jwk.alg !== alg) return `is pinned to ${quoted(jwk.alg)}`;
  if (jwk.use && jwk.use !== 'sig') return `is for use ${quoted(jwk.use)}`;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify')) return 'has no "verify" in key_ops';
  return '';
}

export function chooseKey(keys, header) {
  const alg = header.alg;
  if (typeof alg !== 'string') throw new Error('The token has no alg: nothing to verify.');
  if (alg.toLowerCase() === 'none') throw new Error('alg is "none": there is no signature to check, and no verifier may accept the token.');
  const spec = own(ALGS, alg);
  if (!spec) throw new Error(`alg ${quoted(alg)} is not one this page verifies (RS*, PS*, ES*, EdDSA, HS*).`);
  const fitting = [];
  const refused = [];
  for (const k of keys) {
    const why = fits(k, alg, spec);
    if (why) refused.push(`${k.kid !== undefined ? quoted(k.kid) : 'a key without kid'} ${why}`);
    else fitting.push(k);
  }
  const kid = header.kid;
  // As libwristband: the key with the token's kid, and no other; a lone key without kid also
  // serves a token with a kid.
  if (typeof kid === 'string' && !(keys.length === 1 && keys[0].kid === undefined)) {
    const same = keys.filter((k) => k.kid === kid);
    if (same.length > 1) throw new Error(`${same.length} keys have kid ${quoted(kid)}: ambiguous.`);
    if (same.length === 0)
      throw new Error(`No key has the token's kid ${quoted(kid)} (the keys given: ${keys.map((k) => (k.kid !== undefined ? quoted(k.kid) : 'one without kid')).join(', ')}).`);
    const why = fits(same[0], alg, spec);
    if (why) throw new Error(`The key with the token's kid ${quoted(kid)} ${why}, so it cannot verify ${alg}; no other key is tried.`);
    return same[0];
  }
  if (fitting.length === 1) return fitting[0];
  if (!fitting.length) throw new Error(`No key fits ${alg}${refused.length ? `: ${refused.join('; ')}` : ''}.`);
  throw new Error(`The token has no kid and ${fitting.length} keys fit ${alg}: which one is ambiguous, so none is tried.`);
}

// ---- checking ----------------------------------------------------------------------------------

function stripZeros(b) {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

// {ok: boolean, message} for the token's signature under jwk. Throws for a key it refuses.
export async function verifySignature(tok, jwk) {
  const alg = tok.header.alg;
  const spec = own(ALGS, alg);
  const sig = tok.signature;
  if (!sig || sig.length === 0) return { ok: false, message: 'The token has no signature.' };
  if (jwk.kty === 'OKP' && jwk.crv !== 'Ed25519') throw new Error(`${jwk.crv} keys are not in this browser's WebCrypto.`);
  if (jwk.kty === 'RSA') {
    const bytes = stripZeros(b64urlDecode(jwk.n || '', 'The key\'s n'));
    const bits = bytes.length * 8 - Math.clz32(bytes[0] || 0) + 24;
    if (bits < 2048) throw new Error(`An RSA key of ${bits} bits: under 2048 is refused (as libwristband does).`);
    if (sig.length !== bytes.length) return { ok: false, message: `The signature is ${sig.length} bytes, not the modulus size ${bytes.length}.` };
  }
  if (jwk.kty === 'oct') {
    const k = b64urlDecode(jwk.k || '', 'The key\'s k');
    if (k.length < spec.minLen) throw new Error(`An HMAC key of ${k.length} bytes: shorter than the ${spec.minLen}-byte hash is refused.`);
  }
  if (spec.sigLen && sig.length !== spec.sigLen)
    return { ok: false, message: `The signature is ${sig.length} bytes; ${alg} needs exactly ${spec.sigLen}.` };
  const pub = {};
  for (const m of PUBLIC_MEMBERS[jwk.kty]) pub[m] = jwk[m];
  let key;
  try {
    key = await crypto.subtle.importKey('jwk', pub, spec.imp, false, ['verify']);
  } catch (e) {
    throw new Error(`This browser cannot import the key for ${alg} (${e.name}: ${e.message}).`);
  }
  const input = new TextEncoder().encode(`${tok.parts[0]}.${tok.parts[1]}`);
  const ok = await crypto.subtle.verify(spec.ver, key, sig, input);
  return { ok, message: ok ? 'The signature is valid.' : 'The signature does NOT match: the token was changed, or another key signed it.' };
}

// RFC 7638: the SHA-256 of the required members in order, base64url (this server's kids are it).
export async function thumbprint(jwk) {
  const members = [...PUBLIC_MEMBERS[jwk.kty]].sort();
  const json = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  return b64urlEncode(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(json)));
}

export async function serverKeys() {
  const res = await fetch('/.well-known/jwks.json', { credentials: 'omit', cache: 'no-cache' });
  if (!res.ok) throw new Error(`This server's JWKS answered ${res.status}.`);
  const keys = ((await res.json()).keys || []).filter((k) => own(PUBLIC_MEMBERS, k.kty));
  checkSet(keys);
  return keys;
}
