// SPDX-License-Identifier: MIT
// tests/interop/node/peer.mjs - the node `jose` peer of tests/interop/jwe_interop_test.py: the
// same batch protocol as wb_jwe_interop.c (a JSON array of requests in the file argv[2], a JSON
// array of results on stdout, one per request, {"error": "..."} for a refusal), with jose 5.
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

const b64 = (u8) => Buffer.from(u8).toString('base64url');
const unb64 = (s) => new Uint8Array(Buffer.from(s ?? '', 'base64url'));
const utf8 = new TextEncoder();

// A key for alg: oct JWKs are raw bytes, a password is its UTF-8, the others KeyLike.
async function keyOf(req, jwk, alg) {
  if (req.password !== undefined) return utf8.encode(req.password);
  if (jwk.kty === 'oct') return unb64(jwk.k);
  return jose.importJWK(jwk, alg);
}

async function encrypt(req) {
  const pt = unb64(req.plaintext_b64);
  const key = await keyOf(req, req.key, req.alg);
  const header = { alg: req.alg, enc: req.enc };
  if (req.form === 'compact') return { token: await new jose.CompactEncrypt(pt).setProtectedHeader(header).encrypt(key) };
  if (req.form === 'flattened')
    return { token: JSON.stringify(await new jose.FlattenedEncrypt(pt).setProtectedHeader(header).encrypt(key)) };
  const g = new jose.GeneralEncrypt(pt).setProtectedHeader({ enc: req.enc });
  g.addRecipient(key).setUnprotectedHeader({ alg: req.alg });
  return { token: JSON.stringify(await g.encrypt()) };
}

async function encryptMulti(req) {
  const g = new jose.GeneralEncrypt(unb64(req.plaintext_b64)).setProtectedHeader({ enc: req.enc });
  for (const r of req.keys) g.addRecipient(await keyOf({}, r.key, r.alg)).setUnprotectedHeader({ alg: r.alg, kid: r.key.kid });
  return { token: JSON.stringify(await g.encrypt()) };
}

async function decrypt(req) {
  const opts = { maxPBES2Count: 100000, keyManagementAlgorithms: [req.alg] }; // jose allows PBES2 only when named
  const alg = req.key?.alg;
  const key = req.password !== undefined ? utf8.encode(req.password) : req.key.kty === 'oct' ? unb64(req.key.k) : await jose.importJWK(req.key, alg ?? guessAlg(req.key));
  let r;
  if (req.form === 'compact') r = await jose.compactDecrypt(req.token, key, opts);
  else if (req.form === 'flattened') r = await jose.flattenedDecrypt(JSON.parse(req.token), key, opts);
  else r = await jose.generalDecrypt(JSON.parse(req.token), key, opts);
  return { plaintext_b64: b64(r.plaintext) };
}

// importJWK needs an alg for RSA keys; any key management alg of the family will do to decrypt.
function guessAlg(jwk) {
  if (jwk.kty === 'RSA') return 'RSA-OAEP-256';
  return 'ECDH-ES';
}

async function signEncrypt(req) {
  const sk = await jose.importJWK(req.sign_key, req.sign_key.alg);
  const jws = await new jose.SignJWT(req.claims).setProtectedHeader({ alg: req.sign_key.alg, typ: 'JWT' }).sign(sk);
  const ek = await jose.importJWK(req.enc_key, req.alg);
  const token = await new jose.CompactEncrypt(utf8.encode(jws))
    .setProtectedHeader({ alg: req.alg, enc: req.enc, cty: 'JWT' })
    .encrypt(ek);
  return { token };
}

async function decryptVerify(req) {
  const dk = await jose.importJWK(req.dec_key, req.dec_key.alg ?? guessAlg(req.dec_key));
  const { plaintext, protectedHeader } = await jose.compactDecrypt(req.token, dk);
  if ((protectedHeader.cty ?? '').toUpperCase() !== 'JWT') throw new Error('cty is not JWT');
  const vk = await jose.importJWK(req.ver_key, req.ver_key.alg);
  const { payload } = await jose.jwtVerify(new TextDecoder().decode(plaintext), vk);
  return { claims: payload };
}

async function signJson(req) {
  const payload = unb64(req.payload_b64);
  if (req.form === 'flattened') {
    const k = req.keys[0];
    const t = await new jose.FlattenedSign(payload).setProtectedHeader({ alg: k.alg, kid: k.kid }).sign(await jose.importJWK(k, k.alg));
    return { token: JSON.stringify(t) };
  }
  const g = new jose.GeneralSign(payload);
  for (const k of req.keys) g.addSignature(await jose.importJWK(k, k.alg)).setProtectedHeader({ alg: k.alg, kid: k.kid });
  return { token: JSON.stringify(await g.sign()) };
}

async function verifyJson(req) {
  const obj = JSON.parse(req.json);
  if (req.payload_b64 !== undefined) obj.payload = req.payload_b64; // detached: put it back
  let payload;
  for (const k of req.keys) { // every key must verify its signature (WB_JWS_ALL)
    const key = await jose.importJWK(k, k.alg);
    const r = obj.signatures ? await jose.generalVerify(obj, key) : await jose.flattenedVerify(obj, key);
    payload = r.payload;
  }
  return { payload_b64: b64(payload) };
}

const ops = { encrypt, encrypt_multi: encryptMulti, decrypt, sign_encrypt: signEncrypt, decrypt_verify: decryptVerify, sign_json: signJson, verify_json: verifyJson };
const reqs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = [];
for (const req of reqs) {
  try {
    out.push(await ops[req.op](req));
  } catch (e) {
    out.push({ error: `${e.code ?? e.name}: ${e.message}` });
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
