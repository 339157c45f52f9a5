// SPDX-License-Identifier: MIT
// web/assets/jwt.js - what both pages share: reading a compact token without verifying it
// (base64url, JSON read for what JSON.parse hides: duplicate names, depth, lone surrogates, the
// text of each value as written), what each registered claim and header parameter means, times
// as people read them (local and UTC, "expires in 14 minutes", the CLI's phrases), the warnings
// `wristband decode` gives plus the ones a person pasting a token should see, why libwristband
// would reject a token whatever the key, and writing text into the page (never HTML: a token's
// contents are data; numbers as written; bidi and invisible characters as \u escapes).

export const MAX_TOKEN = 65536; // the library's limit (wb_limits)
const MAX_DATE = 253402300799; // 9999-12-31T23:59:59Z, as the CLI
const LONG_LIFETIME = 24 * 3600; // an access token living longer than a day is worth a word

// ---- bytes and text ----------------------------------------------------------------------------

export function b64urlDecode(s, what) {
  if (!/^[A-Za-z0-9_-]*$/.test(s))
    throw new Error(`${what} is not base64url: only A-Z a-z 0-9 - _ may appear, without padding`);
  if (s.length % 4 === 1) throw new Error(`${what} is not base64url: no encoding has ${s.length} characters`);
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function b64urlEncode(bytes) {
  let bin = '';
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function utf8(bytes, what) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`${what} is not UTF-8 text`);
  }
}

// The limits libwristband's parser holds a token to by default (wb_limits): beyond them it
// refuses the token, so the page says so.
export const LIMITS = { depth: 64, members: 1024, header: 8192, claims: 49152 };

// Characters that change how the text around them reads (bidi controls, the invisible ones) and
// the control characters: shown as \u escapes, never as themselves.
const HIDING = /[\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const SHOWN_ESCAPED = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const JSON_SPACE = new Set([' ', '\t', '\n', '\r']);

export function escapeHidden(text) {
  return text.replace(SHOWN_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// A string as it reads in a table: as is, or, when it holds a character that would hide or
// reorder text, as a JSON string with that character escaped.
export function nameText(s) {
  SHOWN_ESCAPED.lastIndex = 0;
  return SHOWN_ESCAPED.test(s) ? escapeHidden(JSON.stringify(s)) : s;
}

// One pass over a JSON text that JSON.parse accepted, for what JSON.parse hides: the names
// that appear twice in one object (JSON.parse keeps the last silently; libwristband refuses such
// a token, and two parsers reading different values is an attack), the nesting depth, the
// largest object or array, a lone surrogate, a string that hides text, and the text of each
// top-level member's value as written (so 18446744073709551615 is not shown rounded). No
// recursion: a token nested thousands deep is scanned like any other.
export function scanJson(text) {
  const out = { dups: [], depth: 0, widest: 0, loneSurrogate: false, hiding: false, raw: new Map() };
  const stack = []; // per open container: {names: a Set for an object, null for an array, commas, any}
  const str = /"(?:[^"\\]|\\.)*"/y;
  const colon = /\s*:/y;
  let name = null; // the top-level name whose value is being read
  let start = -1; // where that value starts
  const endValue = (i) => {
    if (start >= 0 && name !== null) out.raw.set(name, text.slice(start, i).trim());
    start = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (JSON_SPACE.has(c)) continue;
    const top = stack[stack.length - 1];
    if (c === '}' || c === ']') {
      if (stack.length === 1) endValue(i);
      stack.pop();
      if (top) out.widest = Math.max(out.widest, top.any ? top.commas + 1 : 0);
      continue;
    }
    if (top) top.any = true;
    if (c === '{' || c === '[') {
      stack.push({ names: c === '{' ? new Set() : null, commas: 0, any: false });
      out.depth = Math.max(out.depth, stack.length);
    } else if (c === ',') {
      if (top) top.commas++;
      if (stack.length === 1) endValue(i);
    } else if (c === ':') {
      if (stack.length === 1) start = i + 1;
    } else if (c === '"') {
      str.lastIndex = i;
      const m = str.exec(text);
      if (!m) break;
      i += m[0].length - 1;
      const s = JSON.parse(m[0]);
      if (LONE_SURROGATE.test(s)) out.loneSurrogate = true;
      if (HIDING.test(s)) out.hiding = true;
      colon.lastIndex = i + 1;
      if (top && top.names && colon.test(text)) {
        if (top.names.has(s)) out.dups.push(s);
        top.names.add(s);
        if (stack.length === 1) name = s;
      }
    }
  }
  return out;
}

// A JSON text laid out by moving whitespace only, as the CLI does: numbers, strings and member
// order stay as the token wrote them, a character that would hide or reorder text is escaped
// (the same JSON value). Indented by two spaces when pretty; one line otherwise.
export function layout(text, pretty = true) {
  const parts = [];
  let depth = 0;
  const str = /"(?:[^"\\]|\\.)*"/y;
  const nl = () => (pretty ? `\n${'  '.repeat(depth)}` : '');
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (JSON_SPACE.has(c)) continue;
    if (c === '"') {
      str.lastIndex = i;
      const m = str.exec(text);
      if (!m) break;
      parts.push(escapeHidden(m[0]));
      i += m[0].length - 1;
    } else if (c === '{' || c === '[') {
      let j = i + 1;
      while (j < text.length && JSON_SPACE.has(text[j])) j++;
      if (text[j] === (c === '{' ? '}' : ']')) {
        parts.push(c + text[j]);
        i = j;
      } else {
        depth++;
        parts.push(c + nl());
      }
    } else if (c === '}' || c === ']') {
      depth--;
      parts.push(nl() + c);
    } else if (c === ',') parts.push(',' + nl());
    else if (c === ':') parts.push(pretty ? ': ' : ':');
    else parts.push(c);
  }
  return parts.join('');
}

// ---- reading a token -------------------------------------------------------------------------

// A pasted token as the CLI reads one: surrounding whitespace and a "Bearer " prefix dropped,
// whitespace inside (a token folded over lines) removed with a note. Throws with a sentence.
export function parseToken(input) {
  const notes = [];
  let t = input.trim();
  const bearer = /^bearer\s+/i.exec(t);
  if (bearer) {
    t = t.slice(bearer[0].length);
    notes.push('The "Bearer " prefix of an Authorization header was dropped.');
  }
  if (/\s/.test(t)) {
    t = t.replace(/\s+/g, '');
    notes.push('Whitespace inside the token was removed.');
  }
  if (t === '') throw new Error('Paste a token: three base64url parts separated by dots.');
  if (t.length > MAX_TOKEN) throw new Error(`This is ${t.length} characters: tokens stop at ${MAX_TOKEN}.`);
  const parts = t.split('.');
  const tok = { text: t, parts, notes, kind: 'jws', header: null, payload: null, payloadText: '',
    signature: null, problem: '' };
  if (parts.length === 5) tok.kind = 'jwe';
  else if (parts.length === 2) tok.problem = 'the token has no signature segment (2 segments, not 3)';
  else if (parts.length !== 3)
    throw new Error(`A compact token has 3 segments (a JWS) or 5 (a JWE); this one has ${parts.length}.`);
  const headerBytes = b64urlDecode(parts[0], 'The header');
  tok.headerSize = headerBytes.length;
  tok.headerText = utf8(headerBytes, 'The header');
  tok.header = parseObject(tok.headerText, 'The header');
  tok.headerScan = scanJson(tok.headerText);
  tok.headerDups = tok.headerScan.dups;
  if (tok.kind === 'jwe') return tok;
  const payloadBytes = b64urlDecode(parts[1], 'The payload');
  tok.payloadSize = payloadBytes.length;
  tok.payloadText = utf8(payloadBytes, 'The payload');
  try {
    tok.payload = parseObject(tok.payloadText, 'The payload');
    tok.payloadScan = scanJson(tok.payloadText);
  } catch {
    tok.payload = null; // shown as text, with a warning
    tok.payloadScan = scanJson('');
  }
  tok.payloadDups = tok.payloadScan.dups;
  if (parts.length === 3) {
    try {
      tok.signature = b64urlDecode(parts[2], 'The signature');
      if (parts[2] === '') tok.problem = 'the signature segment is empty (an unsigned token)';
    } catch (e) {
      tok.problem = `the signature segment is corrupt (${e.message})`;
    }
  }
  return tok;
}

function parseObject(text, what) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not JSON: ${e.message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what} is not a JSON object.`);
  return v;
}

// ---- what the names mean ---------------------------------------------------------------------

export const CLAIMS = {
  iss: ['Issuer', 'Who made and signed the token. A verifier checks it is the issuer it trusts (RFC 7519 4.1.1).'],
  sub: ['Subject', 'Whom the token is about: here a random, stable user id, not the user name (RFC 7519 4.1.2).'],
  aud: ['Audience', 'Who may accept it. A service refuses a token not meant for it (RFC 7519 4.1.3).'],
  exp: ['Expiration time', 'After this moment no verifier may accept the token (RFC 7519 4.1.4).'],
  nbf: ['Not before', 'Before this moment no verifier may accept the token (RFC 7519 4.1.5).'],
  iat: ['Issued at', 'When the token was made (RFC 7519 4.1.6).'],
  jti: ['JWT ID', 'A unique id of this token, for revoking it or detecting a replay (RFC 7519 4.1.7).'],
  sid: ['Session ID', 'The login session the token belongs to; ending the session ends its tokens at the server (OpenID).'],
  scope: ['Scope', 'What the token allows, as space-separated words (RFC 8693, RFC 9068).'],
  client_id: ['Client', 'The application the token was issued to (RFC 9068).'],
  azp: ['Authorized party', 'The client the token was issued to (OpenID Connect).'],
  roles: ['Roles', 'The roles of the user when the token was issued (RFC 9068, SCIM).'],
  groups: ['Groups', 'The groups of the user (RFC 9068, SCIM).'],
  entitlements: ['Entitlements', 'What the user is entitled to (RFC 9068, SCIM).'],
  preferred_username: ['User name', 'The name the user logs in with; a display name, not an identifier (OpenID Connect).'],
  name: ['Name', 'The full name of the user (OpenID Connect).'],
  email: ['E-mail', 'The e-mail address of the user (OpenID Connect).'],
  email_verified: ['E-mail verified', 'Whether the address was checked (OpenID Connect).'],
  auth_time: ['Authentication time', 'When the user last showed a password or another credential (OpenID Connect).'],
  nonce: ['Nonce', 'A value of the client, echoed to bind the token to its request (OpenID Connect).'],
  acr: ['Authentication context', 'How strongly the user was authenticated (OpenID Connect).'],
  amr: ['Authentication methods', 'How the user was authenticated: pwd, otp, hwk, ... (RFC 8176).'],
  at_hash: ['Access token hash', 'Binds an ID token to its access token (OpenID Connect).'],
  cnf: ['Confirmation', 'The key the token is bound to, as in DPoP or mTLS (RFC 7800).'],
  act: ['Actor', 'Who acts on the subject\'s behalf (RFC 8693).'],
  updated_at: ['Updated at', 'When the user\'s information last changed (OpenID Connect).'],
};

export const HEADER = {
  alg: ['Algorithm', 'How the token is signed. "none" means not at all: never accept it.'],
  typ: ['Type', 'What kind of token this is; at+jwt is an OAuth access token (RFC 9068). Checking it keeps one kind of token from passing for another.'],
  kid: ['Key ID', 'Which of the issuer\'s keys signed it; a verifier picks that key from the issuer\'s JWKS.'],
  cty: ['Content type', 'What the payload is; "JWT" means a nested token (RFC 7519 5.2).'],
  jku: ['JWK Set URL', 'A URL of keys, named by the token itself: a verifier must not fetch keys the token chooses.'],
  jwk: ['JSON Web Key', 'A key carried in the token itself: anyone can sign with their own key, so never trust it.'],
  x5u: ['X.509 URL', 'A certificate URL named by the token itself: not to be trusted blindly.'],
  x5c: ['X.509 chain', 'Certificates carried in the token: trust them only through a chain to your own root.'],
  x5t: ['X.509 SHA-1 thumbprint', 'Names a certificate by its SHA-1 hash.'],
  'x5t#S256': ['X.509 SHA-256 thumbprint', 'Names a certificate by its SHA-256 hash.'],
  crit: ['Critical', 'Extensions a verifier must understand, or reject the token.'],
  enc: ['Encryption', 'How the content of a JWE is encrypted (RFC 7516).'],
  zip: ['Compression', 'The content was compressed before encryption (RFC 7516).'],
  b64: ['Base64url payload', 'false: the payload is not encoded (RFC 7797).'],
};

export const TIME_CLAIMS = new Set(['exp', 'nbf', 'iat', 'auth_time', 'updated_at']);

// ---- times -------------------------------------------------------------------------------------

// "3 days", "1 hour", "42 seconds": the largest whole unit of a non-negative span (as the CLI).
export function span(s) {
  const units = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  let i = 0;
  while (i + 1 < units.length && s < units[i][0]) i++;
  const n = Math.floor(s / units[i][0]);
  return `${n} ${units[i][1]}${n === 1 ? '' : 's'}`;
}

export function isDate(v) {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_DATE;
}

// The CLI's phrases: "expired 3 hours ago", "expires in 14 minutes", "valid since ...".
export function relative(name, t, now) {
  const past = { exp: 'expired', nbf: 'valid since', iat: 'issued' }[name];
  const future = { exp: 'expires in', nbf: 'not valid yet, valid in', iat: 'issued in the future, in' }[name];
  const d = Math.floor(t) - Math.floor(now);
  if (d <= 0) return `${past ? past + ' ' : ''}${span(-d)} ago`;
  return `${future || 'in'} ${span(d)}`;
}

export function utcText(t) {
  return new Date(Math.floor(t) * 1000).toISOString().replace('.000Z', 'Z');
}

export function localText(t) {
  return new Date(Math.floor(t) * 1000).toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
    timeZoneName: 'short',
  });
}

export function nowSeconds() {
  return Date.now() / 1000;
}

// ---- warnings --------------------------------------------------------------------------------

const SENSITIVE = /(passw|passphrase|secret|apikey|privatekey|creditcard|cardnumber|iban|accesstoken|refreshtoken|sessiontoken|cookie)/;
const SENSITIVE_EXACT = new Set(['pwd', 'pin', 'ssn', 'cvv', 'cvc', 'otp', 'dob']);

// Member names anywhere in the payload that look like secrets or personal data ("a.b" paths).
export function sensitiveNames(obj, prefix = '', depth = 0, out = []) {
  if (obj === null || typeof obj !== 'object' || depth > 8) return out;
  for (const [k, v] of Object.entries(obj)) {
    const flat = k.toLowerCase().replace(/[^a-z0-9]/g, '');
    const path = Array.isArray(obj) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k;
    if (!Array.isArray(obj) && (SENSITIVE.test(flat) || SENSITIVE_EXACT.has(flat))) out.push(path);
    sensitiveNames(v, path, depth + 1, out);
  }
  return out;
}

// Why libwristband rejects this token whatever the key, as sentences (none: it may accept it):
// its header parser's rules (string members, no crit, no b64:false), strict JSON (no name
// twice, no lone surrogate, an object of claims) and the default limits (wb_limits).
export function refusals(tok) {
  const out = [];
  const h = tok.header;
  for (const k of ['alg', 'kid', 'typ', 'cty'])
    if (Object.hasOwn(h, k) && typeof h[k] !== 'string') out.push(`the header's "${k}" is not a string`);
  if (Object.hasOwn(h, 'crit')) out.push('the header has "crit": libwristband understands no extension, so it must refuse');
  if (Object.hasOwn(h, 'b64') && h.b64 !== true)
    out.push(h.b64 === false ? 'b64 is false (an unencoded payload, RFC 7797), which libwristband does not accept'
      : 'the header\'s "b64" is not a boolean');
  const json = [['header', tok.headerScan, tok.headerSize, LIMITS.header]];
  if (tok.kind !== 'jwe') json.push(['claims', tok.payloadScan, tok.payloadSize, LIMITS.claims]);
  for (const [what, scan, size, max] of json) {
    if (size > max) out.push(`the ${what}: ${size} bytes, over libwristband's ${max}`);
    if (scan.dups.length) out.push(`the ${what}: ${scan.dups.map(nameText).join(', ')} named twice`);
    if (scan.depth > LIMITS.depth) out.push(`the ${what}: nested ${scan.depth} levels deep, over libwristband's ${LIMITS.depth}`);
    if (scan.widest > LIMITS.members) out.push(`the ${what}: ${scan.widest} members in one object or array, over libwristband's ${LIMITS.members}`);
    if (scan.loneSurrogate) out.push(`the ${what}: a string holds a lone surrogate (\\ud800 to \\udfff), which is not Unicode text`);
  }
  if (tok.kind !== 'jwe' && tok.payload === null) out.push('the payload is not a JSON object');
  return out;
}

// The warnings for a decoded token: [{code, level: 'bad'|'warn'|'info', text}]. The codes are
// stable (the tests and the CSS use them).
export function warnings(tok, now) {
  const w = [];
  const add = (code, level, text) => w.push({ code, level, text });
  const h = tok.header;
  const alg = typeof h.alg === 'string' ? h.alg : '';
  if (tok.kind === 'jwe') {
    add('jwe', 'bad', 'A JWE: the content is encrypted and cannot be read here; only its protected header is shown. ' +
      'Decrypting needs the recipient\'s private key, which belongs in no web page.');
  }
  if (alg.toLowerCase() === 'none')
    add('alg-none', 'bad', 'alg is "none": the token is not signed at all. Anyone can write one; no verifier may accept it.');
  else if (typeof h.alg !== 'string')
    add('no-alg', 'bad', 'The header has no alg: no verifier can accept this token.');
  if (tok.problem) add('signature', 'warn', `${tok.problem[0].toUpperCase()}${tok.problem.slice(1)}: showing the header and payload only.`);
  for (const k of ['jwk', 'jku', 'x5u', 'x5c'])
    if (k in h) add('embedded-key', 'warn', `The header names its own key (${k}): a verifier must choose keys itself, never take the token's.`);
  if ('crit' in h) add('crit', 'warn', `The header lists critical extensions (${layout(tok.headerScan.raw.get('crit') || '', false)}): a verifier that does not know them must reject the token.`);
  if (tok.headerDups.length) add('duplicates', 'bad', `The header repeats ${tok.headerDups.map(nameText).join(', ')}: parsers disagree on which value counts. libwristband rejects such a token.`);
  const refused = refusals(tok);
  if (refused.length) add('library-refuses', 'bad', `libwristband rejects this token whatever the key: ${refused.join('; ')}.`);
  if (tok.headerScan.hiding || (tok.payloadScan && tok.payloadScan.hiding))
    add('hidden-text', 'bad', 'Names or values hold characters that hide text or change its order (bidi controls, ' +
      'zero-width characters): they are shown as \\u escapes. A name that reads like a registered claim may be another.');
  if (tok.kind === 'jwe') return w;
  const p = tok.payload;
  if (p === null) {
    add('not-json', 'warn', 'The payload is not a JSON object, so this is not a JWT: shown as text.');
    return w;
  }
  if (tok.payloadDups.length) add('duplicates', 'bad', `The claims repeat ${tok.payloadDups.map(nameText).join(', ')}: parsers disagree on which value counts. libwristband rejects such a token.`);
  if (!('exp' in p)) add('no-exp', 'warn', 'No exp: the token never expires. Whoever copies it keeps a working credential for ever.');
  for (const name of ['exp', 'nbf', 'iat']) {
    if (name in p && !isDate(p[name])) add('bad-date', 'bad', `${name} is not a NumericDate between 1970 and 9999 (seconds since 1970).`);
  }
  if (isDate(p.exp) && p.exp <= now) add('expired', 'warn', `Expired ${span(Math.floor(now) - Math.floor(p.exp))} ago: no verifier may accept it any more.`);
  if (isDate(p.nbf) && p.nbf > now) add('not-yet', 'warn', `Not valid yet: valid in ${span(Math.floor(p.nbf) - Math.floor(now))}.`);
  if (isDate(p.iat) && p.iat > now + 60) add('future-iat', 'warn', `Issued in the future, in ${span(Math.floor(p.iat) - Math.floor(now))}: a clock is wrong somewhere.`);
  if (isDate(p.exp)) {
    const from = isDate(p.iat) ? p.iat : isDate(p.nbf) ? p.nbf : null;
    const life = from !== null ? p.exp - from : p.exp - now;
    if (life > LONG_LIFETIME)
      add('long-lifetime', 'warn', from !== null
        ? `A long lifetime: ${span(Math.floor(life))} from issue to expiry. A stolen copy works that long; access tokens usually live minutes.`
        : `Valid for another ${span(Math.floor(life))}. A stolen copy works that long; access tokens usually live minutes.`);
  }
  const sens = sensitiveNames(p);
  if (sens.length)
    add('sensitive', 'warn', `Claims that look sensitive: ${sens.map(nameText).join(', ')}. Claims are only encoded, not encrypted: anyone holding the token reads them.`);
  if (/^HS/.test(alg)) add('hmac', 'info', `${alg} is a shared secret: every party that can verify the token can also make one.`);
  return w;
}

// ---- writing into the page -----------------------------------------------------------------

// el('td', {class: 'x', dataset: {claim: 'exp'}}, 'text', child): an element, text only.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'class') e.className = v;
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

// A value as a table shows it: a string as text (nameText), anything else as the token wrote it
// (raw, its text from scanJson) or else as JSON.
export function valueText(v, raw) {
  if (typeof v === 'string') return nameText(v);
  return raw !== undefined ? layout(raw, false) : JSON.stringify(v);
}

// One row per member: name, value, meaning; a time claim shows local time, UTC and a relative
// phrase in a <span class="rel" data-time data-name> that refreshTimes() keeps current. raw
// (optional): the members' values as written (scanJson).
export function memberRows(obj, meanings, now, raw = new Map()) {
  const rows = [];
  for (const [k, v] of Object.entries(obj)) {
    const known = Object.prototype.hasOwnProperty.call(meanings, k) ? meanings[k] : null;
    const value = el('td', { class: 'value' });
    if (TIME_CLAIMS.has(k) && isDate(v)) {
      value.append(el('span', { class: 'raw' }, raw.get(k) ?? String(v)), el('br'),
        el('span', { class: 'local' }, localText(v)), el('br'),
        el('span', { class: 'utc' }, utcText(v)), el('br'),
        el('span', { class: 'rel', dataset: { time: String(v), name: k } }, relative(k, v, now)));
    } else {
      value.append(el('code', {}, valueText(v, raw.get(k))));
    }
    const meaning = known ? el('td', {}, el('strong', {}, known[0]), ': ', known[1]) : el('td', { class: 'muted' }, 'Not a registered name: its meaning is whatever the issuer gave it.');
    rows.push(el('tr', { dataset: { name: k } }, el('th', { scope: 'row' }, el('code', {}, nameText(k))), value, meaning));
  }
  return rows;
}

export function refreshTimes(root, now) {
  for (const s of root.querySelectorAll('span.rel[data-time]')) {
    const t = Number(s.dataset.time);
    const text = relative(s.dataset.name, t, now);
    if (s.textContent !== text) s.textContent = text;
  }
}
