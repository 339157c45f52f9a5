// SPDX-License-Identifier: MIT
// tests/server/e2e/node_dpop/peer.mjs - the node peers of dpop_node_test.py (issue 15): proofs
// made by the `dpop` package (an implementation independent of wristband's), and wristband's
// proofs checked by `jose` with RFC 9449 4.3 written out. One request per run: a JSON object in
// the file argv[2]; the answer, a JSON object, on stdout ({"error": "..."} for a refusal).
//   {"op":"keygen","alg":"ES256"|"EdDSA"|"PS256"}      -> {"priv","pub","jkt"} (JWKs)
//   {"op":"proof","alg","priv","pub","htm","htu"[,"token"][,"nonce"]} -> {"proof"}
//   {"op":"check","proof","htm","htu","now"[,"token"][,"nonce"][,"jkt"]} -> {"jkt"}
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as DPoP from 'dpop';
import * as jose from 'jose';

const { subtle } = globalThis.crypto;
const PARAMS = {
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  EdDSA: { name: 'Ed25519' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
};
const PRIVATE = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function keygen(req) {
  const kp = await DPoP.generateKeyPair(req.alg, { extractable: true });
  const pub = await subtle.exportKey('jwk', kp.publicKey);
  return { priv: await subtle.exportKey('jwk', kp.privateKey), pub, jkt: await DPoP.calculateThumbprint(kp.publicKey) };
}

async function proof(req) {
  const p = PARAMS[req.alg];
  const privateKey = await subtle.importKey('jwk', req.priv, p, false, ['sign']);
  const publicKey = await subtle.importKey('jwk', req.pub, p, true, ['verify']);
  return { proof: await DPoP.generateProof({ privateKey, publicKey }, req.htu, req.htm, req.nonce, req.token) };
}

// RFC 9449 4.3, each check written out (jose verifies the signature by the header's key).
async function check(req) {
  const header = jose.decodeProtectedHeader(req.proof);
  if (header.typ !== 'dpop+jwt') throw new Error('typ is not dpop+jwt');
  if (!header.jwk || PRIVATE.some((m) => m in header.jwk)) throw new Error('no public jwk in the header');
  const { payload } = await jose.jwtVerify(req.proof, jose.EmbeddedJWK, {
    typ: 'dpop+jwt', algorithms: ['ES256', 'ES384', 'ES512', 'EdDSA', 'RS256', 'PS256'],
  });
  if (typeof payload.jti !== 'string' || payload.jti.length < 16) throw new Error('jti');
  if (payload.htm !== req.htm) throw new Error(`htm ${payload.htm}`);
  if (payload.htu !== req.htu) throw new Error(`htu ${payload.htu}`);
  if (!Number.isInteger(payload.iat) || Math.abs(payload.iat - req.now) > 60) throw new Error(`iat ${payload.iat}`);
  const ath = req.token ? createHash('sha256').update(req.token).digest('base64url') : undefined;
  if (payload.ath !== ath) throw new Error(`ath ${payload.ath}, want ${ath}`);
  if (payload.nonce !== req.nonce) throw new Error(`nonce ${payload.nonce}`);
  const jkt = await jose.calculateJwkThumbprint(header.jwk, 'sha256');
  if (req.jkt !== undefined && jkt !== req.jkt) throw new Error('not the key the token is bound to');
  return { jkt };
}

const req = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ops = { keygen, proof, check };
try {
  process.stdout.write(JSON.stringify(await ops[req.op](req)) + '\n');
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e.message || e) }) + '\n');
}
