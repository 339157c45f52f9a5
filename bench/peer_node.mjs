// SPDX-License-Identifier: MIT
// bench/peer_node.mjs - the JavaScript peers on the workload, installed by bench/run.sh from
// bench/peers/package-lock.json: jose (row node-jose; async API, measured with a sequential await loop), fast-jwt
// (createSigner/createVerifier; "fast-jwt-cached" is the same verifier with cache: true, i.e. a
// cache hit on the repeated token), jsonwebtoken (no EdDSA: n/a).
// Keys are prepared once (KeyObject / CryptoKey). verify = signature + exp + iss + aud with the alg
// pinned; sign = a fresh claims object -> compact token. Same checks and measurement as the C
// programs (bench/common.h, bench/timing.h). Prints impl<TAB>alg<TAB>op<TAB>ops_per_sec.
//
// Usage: node peer_node.mjs [--work DIR] [--algs HS256,...] [--impls jose,fast-jwt,...]
import { createPrivateKey, createPublicKey, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), 'peers', 'package.json'));
const jose = require('jose');
const fastJwt = require('fast-jwt');
const jsonwebtoken = require('jsonwebtoken');

const ISS = 'https://auth.example.com';
const AUD = 'api';

function envNum(name, dflt) {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const SECONDS = envNum('BENCH_SECONDS', 1.0);
const WARMUP = envNum('BENCH_WARMUP', 0.3);
const REPS = Math.min(99, Math.max(3, Math.floor(envNum('BENCH_REPS', 3))));

const now = () => Number(process.hrtime.bigint()) / 1e9;

// One timed loop for sync and async operations (an async op is awaited, one at a time).
async function timedLoop(op, isAsync, seconds) {
  let ops = 0;
  let batch = 1;
  const start = now();
  let last = start;
  for (;;) {
    if (isAsync) for (let i = 0; i < batch; i++) await op();
    else for (let i = 0; i < batch; i++) op();
    ops += batch;
    const t = now();
    if (t - start >= seconds) return ops / (t - start);
    if (t - last < 1e-3) batch *= 2;
    last = t;
  }
}

async function measure(op, isAsync) {
  await timedLoop(op, isAsync, WARMUP);
  const rates = [];
  for (let r = 0; r < REPS; r++) rates.push(await timedLoop(op, isAsync, SECONDS));
  rates.sort((a, b) => a - b);
  return REPS % 2 ? rates[(REPS - 1) / 2] : (rates[REPS / 2 - 1] + rates[REPS / 2]) / 2;
}

function tamper(tok, seg) {
  const parts = tok.split('.');
  const p = parts[seg];
  const mid = Math.floor(p.length / 2);
  parts[seg] = p.slice(0, mid) + (p[mid] === 'A' ? 'B' : 'A') + p.slice(mid + 1);
  return parts.join('.');
}

function workload(work, alg) {
  const file = (name, enc = 'utf8') => readFileSync(join(work, name.replace('ALG', alg)), enc);
  const [iat, exp, jti] = file('claims.txt').trim().split(/\s+/);
  const w = { alg, file, token: file('tokens/ALG.jwt').trim(), iat: Number(iat), exp: Number(exp), jti };
  w.claims = () => ({ sub: 'user123', name: 'Alice', role: 'admin', iss: ISS, aud: AUD, iat: w.iat, exp: w.exp, jti: w.jti });
  if (alg === 'HS256') {
    w.priv = w.pub = createSecretKey(file('keys/ALG.key', null));
  } else {
    w.priv = createPrivateKey(file('keys/ALG.priv.pem'));
    w.pub = createPublicKey(file('keys/ALG.pub.pem'));
  }
  return w;
}

// Each factory returns { verify(tok), sign(), async } or a string: the n/a reason.
const IMPLS = {
  'node-jose': (w) => ({
    async: true,
    verify: (tok) => jose.jwtVerify(tok, w.pub, { algorithms: [w.alg], issuer: ISS, audience: AUD, requiredClaims: ['exp'] }),
    sign: () => new jose.SignJWT(w.claims()).setProtectedHeader({ alg: w.alg, typ: 'JWT' }).sign(w.priv),
  }),
  'fast-jwt': (w) => fastJwtImpl(w, false),
  'fast-jwt-cached': (w) => fastJwtImpl(w, true),
  jsonwebtoken: (w) => {
    if (w.alg === 'EdDSA') return 'jsonwebtoken 9 has no EdDSA';
    return {
      async: false,
      verify: (tok) => jsonwebtoken.verify(tok, w.pub, { algorithms: [w.alg], issuer: ISS, audience: AUD }),
      sign: () => jsonwebtoken.sign(w.claims(), w.priv, { algorithm: w.alg, header: { alg: w.alg, typ: 'JWT' } }),
    };
  },
};

function fastJwtImpl(w, cache) {
  const pem = (k) => (w.alg === 'HS256' ? k.export() : k.export({ type: k.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }));
  const signer = fastJwt.createSigner({ key: pem(w.priv), algorithm: w.alg, noTimestamp: true });
  const verifier = fastJwt.createVerifier({ key: pem(w.pub), algorithms: [w.alg], allowedIss: ISS, allowedAud: AUD, requiredClaims: ['exp'], cache });
  return { async: false, verify: (tok) => verifier(tok), sign: () => signer(w.claims()), signNa: cache ? 'the cache is verify-only' : null };
}

async function accepts(impl, tok) {
  try {
    await impl.verify(tok);
    return true;
  } catch {
    return false;
  }
}

async function checks(impl, w) {
  if (!(await accepts(impl, w.token))) return 'reference token rejected';
  if (await accepts(impl, tamper(w.token, 2))) return 'token with a flipped signature char accepted';
  if (await accepts(impl, tamper(w.token, 1))) return 'token with a flipped payload char accepted';
  if (await accepts(impl, w.file('tokens/ALG.badaud.jwt').trim())) return 'token with aud "other" accepted';
  if (await accepts(impl, w.file('tokens/ALG.expired.jwt').trim())) return 'expired token accepted';
  const own = await impl.sign();
  if (!(await accepts(impl, own))) return 'own token rejected';
  if (await accepts(impl, tamper(own, 2))) return 'own token with a flipped signature char accepted';
  return null;
}

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const work = arg('--work', process.env.BENCH_WORK || 'bench/out/work');
const algs = arg('--algs', 'HS256,RS256,ES256,EdDSA').split(',');
const impls = arg('--impls', Object.keys(IMPLS).join(',')).split(',');
const out = (...f) => process.stdout.write(f.join('\t') + '\n');

for (const name of impls) {
  for (const alg of algs) {
    let impl;
    let why;
    try {
      impl = IMPLS[name](workload(work, alg));
      why = typeof impl === 'string' ? null : await checks(impl, workload(work, alg));
    } catch (e) {
      why = `${e.name}: ${e.message}`;
    }
    if (typeof impl === 'string') {
      process.stderr.write(`${name} ${alg}: n/a: ${impl}\n`);
      out(name, alg, 'verify', 'n/a');
      out(name, alg, 'sign', 'n/a');
    } else if (why) {
      process.stderr.write(`${name} ${alg}: FAIL: ${why}\n`);
      out(name, alg, 'verify', 'FAIL');
      out(name, alg, 'sign', 'FAIL');
    } else {
      const tok = workload(work, alg).token;
      out(name, alg, 'verify', (await measure(() => impl.verify(tok), impl.async)).toFixed(0));
      if (impl.signNa) out(name, alg, 'sign', 'n/a');
      else out(name, alg, 'sign', (await measure(impl.sign, impl.async)).toFixed(0));
    }
  }
}
