// SPDX-License-Identifier: MIT
// bench/jwe_peer_node.mjs - node `jose` (bench/peers, row node-jose) on the JWE workload of
// bench/jwe_workload.py: decrypt the reference token of each pair (compactDecrypt), encrypt the
// benchmark claims (CompactEncrypt). Keys are imported once. Checks outside the timed loop: the
// reference token decrypts to the claims, the own token decrypts, a changed tag is refused. The
// async API is measured with a sequential await loop, as bench/peer_node.mjs does.
// Prints node-jose<TAB>pair<TAB>op<TAB>ops_per_sec. Usage: node jwe_peer_node.mjs --work DIR
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(new URL('./peers/', import.meta.url));
const jose = await import(require.resolve('jose'));
const env = (n, d) => { const v = Number(process.env[n]); return v > 0 ? v : d; };
const SECONDS = env('BENCH_SECONDS', 1), WARMUP = env('BENCH_WARMUP', 0.3), REPS = Math.max(3, env('BENCH_REPS', 3));

async function timedLoop(op, seconds) {
  let ops = 0, batch = 1;
  const start = performance.now();
  let last = start;
  for (;;) {
    for (let i = 0; i < batch; i++) await op();
    ops += batch;
    const now = performance.now();
    if (now - start >= seconds * 1000) return ops / ((now - start) / 1000);
    if (now - last < 1) batch *= 2;
    last = now;
  }
}

async function measure(op) {
  await timedLoop(op, WARMUP);
  const r = [];
  for (let i = 0; i < REPS; i++) r.push(await timedLoop(op, SECONDS));
  r.sort((a, b) => a - b);
  return r[Math.floor(r.length / 2)];
}

const PAIRS = { 'dir+A256GCM': 'dir', 'A256KW+A256GCM': 'A256KW', 'ECDH-ES+A256KW-P256': 'ECDH-ES+A256KW',
  'ECDH-ES+A256KW-X25519': 'ECDH-ES+A256KW', 'RSA-OAEP-256+A256GCM': 'RSA-OAEP-256' };
const work = process.argv[process.argv.indexOf('--work') + 1];
const claims = readFileSync(join(work, 'claims.json'));
const same = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
for (const [pair, alg] of Object.entries(PAIRS)) {
  const jwk = JSON.parse(readFileSync(join(work, 'keys', pair + '.jwk'), 'utf8'));
  const pubJwk = JSON.parse(readFileSync(join(work, 'keys', pair + '.pub.jwk'), 'utf8'));
  const key = await jose.importJWK(jwk, alg), pub = await jose.importJWK(pubJwk, alg);
  const token = readFileSync(join(work, 'tokens', pair + '.jwe'), 'utf8').trim();
  const decrypt = async (tok = token) => (await jose.compactDecrypt(tok, key)).plaintext;
  const encrypt = () => new jose.CompactEncrypt(claims).setProtectedHeader({ alg, enc: 'A256GCM', kid: pair }).encrypt(pub);
  let ok = false;
  try {
    ok = same(await decrypt(), claims) && same(await decrypt(await encrypt()), claims);
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    try { await decrypt(flipped); ok = false; } catch { /* refused, as it must be */ }
  } catch (e) { console.error(`node-jose: ${pair}: ${e}`); }
  for (const [op, fn] of [['decrypt', decrypt], ['encrypt', encrypt]])
    console.log(`node-jose\t${pair}\t${op}\t${ok ? (await measure(() => fn())).toFixed(0) : 'FAIL'}`);
}
