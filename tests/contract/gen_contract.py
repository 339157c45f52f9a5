#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/contract/gen_contract.py - generates the API misuse-contract test from the public headers.

The contract (docs/api.md, "Error model"; STYLE.md sections 1 and 4), for every function declared
with WB_EXPORT in include/wristband/*.h:
  * given NULL for any pointer parameter (every other argument valid), a wb_status function
    returns WB_ERR_INVALID_ARG, a value-returning function returns NULL / 0 / false / the zero
    (INVALID) enum, and nothing crashes (the ASan build runs the test too);
  * err->code equals the returned status, the message is non-empty on failure and empty on
    success (err is pre-filled with garbage, so a message left by a path that then succeeded
    shows), and every call is made once more with err NULL;
  * every out-parameter that is not the NULL one (pre-filled with a sentinel) is NULL / 0 / false /
    "" / zeroed after a failure, and set after a success;
  * called once with all arguments valid, a wb_status function returns WB_OK.
A parameter may be NULL only when NULL_SAFE below says so, and docs/api.md must say the same:
`gen_contract.py --check-docs` (the contract/docs test) finds each entry's phrase in the
function's entry.

Valid arguments come from TYPES (by C type) and FIXTURES (by parameter name, for types such as
`const char *` whose meaning is in the name); contract_fx.h makes the objects they name. A new
function is tested the moment it is declared: the list of functions is the one the docs test
extracts (tests/docs/exported_functions.sh), and a parameter of a type with no fixture makes the
generated test fail, naming the line to add here.

Usage: gen_contract.py --src SRCDIR --out FILE.c     write the test program
       gen_contract.py --src SRCDIR --check-docs     check NULL_SAFE against docs/api.md
"""

import argparse
import fnmatch
import os
import re
import subprocess
import sys

# ---- the type table ----------------------------------------------------------------------------
# kind  in      an input: `expr` is a valid argument (f is the contract_fx)
#       data    input bytes whose length is the next size_t parameter: FIXTURES by name
#       named   a value or pointer whose meaning is in its name: FIXTURES by name
#       buffer  an output buffer whose capacity is the next size_t parameter
#       out     a pointer to one output: a local pre-filled with `fill`, `zero` when cleared
#       array   an output array, T name[N]: pre-filled, "" when cleared
#       struct  an output struct: pre-filled with 0xA5 bytes, all zero when cleared
#       err     the optional wb_error *
#       value   a non-pointer value: `expr`
# free: how a new object returned through an out-parameter is released.
TYPES = {
    'wb_key *': dict(kind='in', expr='f->loose_key'),
    'const wb_key *': dict(kind='in', expr='f->key'),
    'wb_keyset *': dict(kind='in', expr='f->empty_set'),
    'const wb_keyset *': dict(kind='in', expr='f->set'),
    'wb_signer *': dict(kind='in', expr='f->signer'),
    'const wb_signer *': dict(kind='in', expr='f->signer'),
    'wb_verifier *': dict(kind='in', expr='f->verifier'),
    'const wb_verifier *': dict(kind='in', expr='f->verifier'),
    'wb_builder *': dict(kind='in', expr='f->builder'),
    'const wb_builder *': dict(kind='in', expr='f->builder'),
    'wb_claims *': dict(kind='in', expr='f->claims'),
    'const wb_claims *': dict(kind='in', expr='f->claims'),
    'wb_limits *': dict(kind='in', expr='&f->limits'),
    'const wb_limits *': dict(kind='in', expr='&f->limits'),
    'wb_clock_fn': dict(kind='in', expr='cfx_clock', pointer=True),
    'wb_encrypter *': dict(kind='in', expr='f->encrypter'),
    'const wb_encrypter *': dict(kind='in', expr='f->encrypter'),
    'wb_decrypter *': dict(kind='in', expr='f->decrypter'),
    'const wb_decrypter *': dict(kind='in', expr='f->decrypter'),
    'const wb_signer const **': dict(kind='in', expr='f->signers'),
    'wb_dpop_signer *': dict(kind='in', expr='f->dpop_signer'),
    'const wb_dpop_signer *': dict(kind='in', expr='f->dpop_signer'),
    'wb_dpop_verifier *': dict(kind='in', expr='f->dpop_verifier'),
    'const wb_dpop_verifier *': dict(kind='in', expr='f->dpop_verifier'),
    'wb_dpop_replay_fn': dict(kind='in', expr='cfx_replay', pointer=True),
    'wb_dpop_nonce_fn': dict(kind='in', expr='cfx_nonce', pointer=True),
    'const char *': dict(kind='data', text=True),
    'const unsigned char *': dict(kind='data'),
    'void *': dict(kind='named'),
    'char *': dict(kind='buffer', expr='f->text_buf', cap='sizeof f->text_buf'),
    'unsigned char *': dict(kind='buffer', expr='f->byte_buf', cap='sizeof f->byte_buf'),
    'wb_status *': dict(kind='buffer', expr='f->status_buf', cap='sizeof f->status_buf / sizeof f->status_buf[0]'),
    'wb_key **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_key_free'),
    'wb_keyset **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_keyset_free'),
    'wb_signer **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_signer_free'),
    'wb_verifier **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_verifier_free'),
    'wb_builder **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_builder_free'),
    'wb_claims **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_claims_free'),
    'wb_encrypter **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_encrypter_free'),
    'wb_decrypter **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_decrypter_free'),
    'unsigned char **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='free'),  # plaintexts
    'wb_dpop_signer **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_dpop_signer_free'),
    'wb_dpop_verifier **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_dpop_verifier_free'),
    'char **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL', free='wb_string_free'),
    'const char **': dict(kind='out', fill='CFX_SENTINEL', zero='NULL'),  # borrowed
    'size_t *': dict(kind='out', fill='(size_t)0xa5a5a5a5u', zero='0'),
    'int64_t *': dict(kind='out', fill='INT64_C(0x5a5a5a5a5a5a5a5a)', zero='0'),
    'double *': dict(kind='out', fill='4242.5', zero='0'),
    'bool *': dict(kind='out', fill='true', zero='false'),
    'int *': dict(kind='out', fill='0x5a5a', zero='0'),
    'char []': dict(kind='array'),
    'wb_cache_stats *': dict(kind='struct'),
    'wb_error *': dict(kind='err'),
    'wb_alg': dict(kind='value', expr='WB_ALG_ES256'),
    'wb_kty': dict(kind='value', expr='WB_KTY_EC'),
    'wb_crv': dict(kind='value', expr='WB_CRV_P256'),
    'wb_use': dict(kind='value', expr='WB_USE_SIG'),
    'wb_status': dict(kind='value', expr='WB_OK'),
    'wb_key_part': dict(kind='value', expr='WB_KEY_PRIVATE'),
    'wb_key_op': dict(kind='value', expr='WB_KEY_OP_SIGN'),
    'wb_jwe_alg': dict(kind='named'),
    'wb_enc': dict(kind='value', expr='WB_ENC_A256GCM'),
    'wb_serialization': dict(kind='value', expr='WB_SER_FLATTENED'),
    'wb_jws_policy': dict(kind='value', expr='WB_JWS_ANY'),
    'bool': dict(kind='value', expr='true'),
    'double': dict(kind='value', expr='1.5'),
    'int64_t': dict(kind='named'),
    'unsigned': dict(kind='named'),
    'uint32_t': dict(kind='named'),
    'size_t': dict(kind='named'),
    'int': dict(kind='named'),
}

# Valid arguments by parameter name, for the types whose meaning is in the name. 'function:name'
# wins over 'name'; for an 'in' type, a 'function:name' entry here replaces the type's expr. For `const unsigned char *` a value is (expression, length expression); the
# length of a `const char *` is its strlen.
FIXTURES = {
    'const char *': {
        'token': 'f->token',
        'json': 'CFX_CLAIMS',  # a claims object: also a valid JSON value for set_json
        'wb_key_from_jwk:json': 'CFX_JWK',
        'wb_keyset_from_jwks:json': 'CFX_JWKS',
        'pem': 'CFX_PEM',
        'data': 'CFX_JWK',
        'wb_keyset_parse:data': 'CFX_JWKS',
        'header_json': 'CFX_HEADER',
        'in': 'CFX_B64',
        'wb_alg_from_name:name': '"ES256"',
        'name': '"role"',
        'wb_builder_append_string:name': '"roles"',
        'value': '"alice"',
        'wb_claims_has_string:value': '"a"',
        'path': '"sub"',
        'wb_claims_get_int:path': '"n"',
        'wb_claims_get_number:path': '"r"',
        'wb_claims_get_number_text:path': '"r"',
        'wb_claims_get_bool:path': '"b"',
        'wb_claims_get_size:path': '"roles"',
        'wb_claims_get_json:path': '"roles"',
        'wb_claims_has_string:path': '"roles"',
        'kid': '"k1"',
        'typ': '"JWT"',
        'cty': '"JWT"',
        'iss': '"https://issuer.example"',
        'aud': '"api"',
        'sub': '"alice"',
        'password': 'CFX_PASSWORD',
        'wb_jwe_decrypt:token': 'f->jwe',
        'wb_decrypt_verify:token': 'f->nested',
        'wb_jws_verify_detached:token': 'f->detached',
        'wb_jwe_decrypt_json:json': 'f->jwe_json',
        'wb_jws_verify_json:json': 'f->jws_json',
        'wb_jws_verify_json_detached:json': 'f->jws_json_detached',
        'jwe': 'f->enc_jwk',
        'wb_jwe_alg_from_name:name': '"A256KW"',
        'wb_enc_from_name:name': '"A256GCM"',
        'method': '"GET"',
        'url': 'CFX_DPOP_URL',
        'access_token': 'f->token',
        'nonce': '"n1"',
        'wb_dpop_verify:proof': 'f->dpop_proof',
        'wb_dpop_verify_bound:proof': 'f->dpop_bound_proof',
        'jkt': 'f->jkt',
    },
    'const unsigned char *': {
        'secret': ('cfx_bytes', 'sizeof cfx_bytes'),
        'payload': ('cfx_bytes', 'sizeof cfx_bytes'),
        'in': ('cfx_bytes', 'sizeof cfx_bytes'),
        'der': ('cfx_der', 'cfx_der_len'),
        'plaintext': ('cfx_bytes', 'sizeof cfx_bytes'),
        'aad': ('cfx_bytes', 'sizeof cfx_bytes'),
    },
    'const wb_keyset *': {'wb_decrypter_new:set': 'f->priv_set'},  # a decrypter needs private keys
    'wb_jwe_alg': {'alg': 'WB_JWE_ECDH_ES_A256KW', 'wb_encrypter_new_password:alg': 'WB_JWE_PBES2_HS256_A128KW'},
    'uint32_t': {'p2c': 'WB_PBES2_MIN_P2C', 'max_p2c': '0'},
    'void *': {'ctx': 'f'},
    'int64_t': {'value': '42', 'seconds': '30', 'now': 'CFX_NOW'},
    'unsigned': {'bits': '0'},
    'size_t': {'entries': '8', 'wb_dpop_verifier_set_replay_cache:entries': '16', 'i': '0', 'n': '1', 'max_inflated': '0'},
    'int': {'include_private': '1', 'sign': '1'},
}

# In-out parameters: on entry they hold a valid object (expr, owned by the call), on failure they
# must be NULL (the call frees what it was given).
INOUT = {
    'wb_verify_reuse:claims': 'cfx_new_claims(f)',
}

# The parameters that may be NULL: (function pattern, parameter pattern, the reason as
# docs/api.md words it, and the docs/api.md entry that says it when not the function's own).
# With one of them NULL and the rest valid, a wb_status function returns WB_OK; a value-returning
# one may return anything; nothing crashes. Every other pointer parameter is refused.
NULL_SAFE = [
    ('*', 'err', 'caller-owned `wb_error *err` (may be `NULL`)', 'Error model'),
    ('*_free', '*', '`NULL` is ignored', None),
    ('wb_limits_default', 'limits', 'Does nothing when `limits` is `NULL`', None),
    ('wb_b64url_encode', 'out_len', '`*out_len` (may be `NULL`)', None),
    ('wb_b64url_decode', 'out_len', '`*out_len` (may be `NULL`)', None),
    ('wb_key_set_kid', 'kid', 'clears it when `kid` is `NULL`', None),
    ('wb_keyset_from_jwks', 'limits', '`limits` may be `NULL` for the defaults', None),
    ('wb_keyset_find', 'kid', '`kid` (`NULL` = any', None),
    ('wb_signer_set_typ', 'typ', 'or removes it with `NULL`', None),
    ('wb_signer_set_kid', 'kid', 'or removes it with `NULL`', None),
    ('wb_signer_set_cty', 'cty', 'or removes it with `NULL`', None),
    ('wb_jws_sign', 'token_len', '`*token_len` (may be `NULL`)', None),
    ('wb_jws_sign_header', 'token_len', '`*token_len` (may be `NULL`)', None),
    ('wb_jws_verify', 'payload', '`*payload` (may be `NULL` when the caller only needs the verdict)', None),
    ('wb_jws_verify', 'payload_len', '`*payload_len` bytes (may be `NULL`)', None),
    ('wb_builder_to_json', 'len', '`*len` (may be `NULL`)', None),
    ('wb_sign', 'token_len', '`*token_len` (may be `NULL`)', None),
    ('wb_claims_get_json', 'path', '`path` `NULL` or `""` = the whole claims object', None),
    ('wb_verifier_set_clock', 'clock', '`NULL` restores the system clock', None),
    ('wb_verifier_set_clock', 'ctx', '`ctx` may be `NULL`', None),
    ('wb_verify', 'claims', '`*claims` (pass `NULL` when you need none)', None),
    ('wb_jws_sign_detached', 'token_len', '`*token_len` (may be `NULL`)', None),
    ('wb_jws_sign_json', 'json_len', '`*json_len` (may be `NULL`)', None),
    ('wb_jws_verify_json', 'payload', '`*payload` (may be `NULL` when the caller only needs the verdict)', None),
    ('wb_jws_verify_json', 'payload_len', '`*payload_len` bytes (may be `NULL`)', None),
    ('wb_jws_verify_json*', 'results', '`results` may be `NULL`', None),
    ('wb_jws_verify_json*', 'nsig', '`*nsig` (may be `NULL`)', None),
    ('wb_encrypter_set_typ', 'typ', 'or clears it with `NULL`', None),
    ('wb_encrypter_set_cty', 'cty', 'or clears it with `NULL`', None),
    ('wb_jwe_encrypt', 'token_len', '`*token_len` (may be `NULL`)', None),
    ('wb_jwe_encrypt_json', 'json_len', '`*json_len` (may be `NULL`)', None),
    ('wb_jwe_decrypt', 'plaintext_len', '`*plaintext_len` bytes (may be `NULL`)', None),
    ('wb_jwe_decrypt_json', 'plaintext_len', '`*plaintext_len` bytes (may be `NULL`)', None),
    ('wb_jwe_decrypt_json', 'aad', '`*aad` (may be `NULL`)', None),
    ('wb_jwe_decrypt_json', 'aad_len', '`*aad_len` (may be `NULL`)', None),
    ('wb_sign_encrypt', 'token_len', '`*token_len` (may be `NULL`)', None),
    ('wb_decrypt_verify', 'claims', '`*claims` (pass `NULL` when you need none)', None),
    ('wb_dpop_signer_set_clock', 'clock', '`NULL` restores the system clock', None),
    ('wb_dpop_signer_set_clock', 'ctx', '`ctx` may be `NULL`', None),
    ('wb_dpop_verifier_set_clock', 'clock', '`NULL` restores the system clock', None),
    ('wb_dpop_verifier_set_clock', 'ctx', '`ctx` may be `NULL`', None),
    ('wb_dpop_verifier_set_replay_fn', 'ctx', '`ctx` may be `NULL`', None),
    ('wb_dpop_verifier_require_nonce', 'ctx', '`ctx` may be `NULL`', None),
    ('wb_dpop_sign', 'access_token', '`access_token` `NULL` = no access token', None),
    ('wb_dpop_sign', 'nonce', '`nonce` `NULL` = no nonce', None),
    ('wb_dpop_sign', 'proof_len', '`*proof_len` (may be `NULL`)', None),
]

SCALAR_RETURNS = {'bool', 'int', 'unsigned', 'size_t', 'int64_t', 'uint64_t', 'double'}


class Fail(Exception):
    """A declaration the parser does not understand: the generator is out of date."""


def norm_type(text):
    """'const  char*' -> 'const char *', 'wb_key **' stays."""
    words = re.findall(r'[A-Za-z_]\w*', text)
    stars = text.count('*')
    return ' '.join(words) + (' ' + '*' * stars if stars else '')


def parse_param(text, func):
    text = ' '.join(text.split())
    m = re.fullmatch(r'(.*?)\b([A-Za-z_]\w*)\s*\[\s*([^\]]+?)\s*\]', text)
    if m:
        return dict(type=norm_type(m.group(1)) + ' []', name=m.group(2), size=m.group(3),
                    decl_type=' '.join(m.group(1).split()))
    m = re.fullmatch(r'(.*?[\s*])([A-Za-z_]\w*)', text)
    if not m or not m.group(1).strip():
        raise Fail(f'{func}: cannot parse parameter "{text}"')
    return dict(type=norm_type(m.group(1)), name=m.group(2), decl_type=norm_type(m.group(1)))


def parse_headers(src):
    """Every WB_EXPORT declaration: dict(name, ret, params, header)."""
    incdir = os.path.join(src, 'include', 'wristband')
    decls, enums = [], set()
    for fn in sorted(os.listdir(incdir)):
        if not fn.endswith('.h'):
            continue
        text = open(os.path.join(incdir, fn), encoding='utf-8').read()
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
        text = re.sub(r'//[^\n]*', ' ', text)
        enums.update(re.findall(r'typedef\s+enum\s*\{[^}]*\}\s*(\w+)\s*;', text))
        for m in re.finditer(r'^[ \t]*WB_EXPORT[ \t]+([^;]*);', text, flags=re.M):
            body = ' '.join(m.group(1).replace('WB_WARN_UNUSED_RESULT', ' ').split())
            d = re.fullmatch(r'(.*?)\b(wb_\w+)\s*\((.*)\)', body)
            if not d:
                raise Fail(f'{fn}: cannot parse declaration "{body}"')
            name, params = d.group(2), d.group(3).strip()
            plist = [] if params in ('', 'void') else [parse_param(p, name) for p in params.split(',')]
            decls.append(dict(name=name, ret=norm_type(d.group(1)), params=plist, header=fn))
    return decls, enums


def exported_names(src):
    """The list the docs test checks against docs/api.md (tests/docs/exported_functions.sh)."""
    script = os.path.join(src, 'tests', 'docs', 'exported_functions.sh')
    out = subprocess.run(['sh', script, src], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def null_safe(func, param):
    return any(fnmatch.fnmatchcase(func, fp) and fnmatch.fnmatchcase(param, pp) for fp, pp, _, _ in NULL_SAFE)


def lookup(table, func, name):
    if f'{func}:{name}' in table:
        return table[f'{func}:{name}']
    return table.get(name)


def is_pointer(p):
    t = TYPES.get(p['type'])
    return p['type'].endswith('*') or p['type'].endswith('[]') or bool(t and t.get('pointer'))


def plan_param(func, p, prev):
    """How to pass p: dict(kind, expr, ...). A fixture that is missing gives 'missing' (the reason):
    the case that needs it fails, naming the line to add; a case passing NULL there needs none."""
    a = dict(name=p['name'], type=p['type'], pointer=is_pointer(p))
    t = TYPES.get(p['type'])
    if t is None:
        decl = c_param(p['decl_type'], p['name'])
        return dict(a, kind='value', missing=f"parameter `{decl}`: type `{p['type']}` has no entry in TYPES")
    kind = t['kind']
    a['kind'] = kind
    if p['type'] == 'size_t' and prev is not None and prev.get('len') is not None:
        a.update(kind='value', expr=prev['len'])
        prev['len'] = None  # one length per pointer
    elif kind in ('in', 'value'):
        a['expr'] = (lookup(FIXTURES.get(p['type'], {}), func, p['name']) if kind == 'in' else None) or t['expr']
    elif kind in ('data', 'named'):
        v = lookup(FIXTURES.get(p['type'], {}), func, p['name'])
        if v is None:
            a['missing'] = f"parameter `{c_param(p['type'], p['name'])}` has no entry in FIXTURES['{p['type']}']"
        elif kind == 'named':
            a['expr'] = v
        elif t.get('text'):
            a.update(expr=v, len=f'strlen({v})')  # NUL-terminated: the length is optional
        else:
            a.update(expr=v[0], len=v[1], needs_len=True)
    elif kind == 'buffer':
        a.update(expr=t['expr'], len=t['cap'], needs_len=True)
    elif kind == 'out':
        a.update(fill=t['fill'], zero=t['zero'], free=t.get('free'), base=p['type'][:-1].rstrip())
        if f"{func}:{p['name']}" in INOUT:
            a.update(kind='inout', fill=INOUT[f"{func}:{p['name']}"])
    elif kind == 'array':
        a.update(base=p['decl_type'], size=p['size'])
    elif kind == 'struct':
        a['base'] = p['type'][:-1].rstrip()
    return a


def arg_plan(func, params):
    """For each parameter, how to pass it (plan_param)."""
    plan = []
    for p in params:
        plan.append(plan_param(func, p, plan[-1] if plan else None))
    for a in plan:
        if a.get('len') is not None and a.get('needs_len'):
            a['missing'] = f"parameter `{c_param(a['type'], a['name'])}` is not followed by its size_t length"
    return plan


def c_param(type_text, name):
    """'const char *', 'zork' -> 'const char *zork'."""
    return type_text + name if type_text.endswith('*') else f'{type_text} {name}'


def c_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


class Emitter:
    def __init__(self):
        self.cases = []  # (C function name, title)
        self.out = []

    def case(self, title, body_lines, loops):
        n = f'case_{len(self.cases)}'
        self.cases.append((n, title))
        o = self.out
        o.append(f'/* {title} */')
        o.append(f'static void {n}(void) {{')
        o.append(f'  for (int e = 0; e < {loops}; e++) {{')
        o.append('    contract_fx fx_, *f = &fx_;')
        o.append('    if (!cfx_init(f)) {')
        o.append('      cfx_done(f);')
        o.append('      return;')
        o.append('    }')
        o.extend('    ' + line for line in body_lines)
        o.append('    cfx_done(f);')
        o.append('  }')
        o.append('}')
        o.append('')

    def failing(self, title, why):
        n = f'case_{len(self.cases)}'
        self.cases.append((n, title))
        self.out.append(f'static void {n}(void) {{ cfx_check({c_str(title)}, false, {c_str(why)}); }}')
        self.out.append('')


def emit_call(em, d, plan, null_idx):
    """One case: d called with parameter null_idx NULL (None: all valid)."""
    func, ret = d['name'], d['ret']
    has_err = any(a['kind'] == 'err' for a in plan)
    what = func + ('(all valid)' if null_idx is None else f"({plan[null_idx]['name']}=NULL)")
    missing = [a['missing'] for i, a in enumerate(plan) if i != null_idx and a.get('missing')]
    if missing:
        em.failing(what, f'{missing[0]}: add it in tests/contract/gen_contract.py')
        return
    safe = null_idx is not None and null_safe(func, plan[null_idx]['name'])
    lines = []
    if has_err:
        lines += ['wb_error err_;', 'cfx_err_garbage(&err_);', 'wb_error *err = e == 0 ? &err_ : NULL;',
                  f'const char *what = e == 0 ? {c_str(what)} : {c_str(what + " err=NULL")};']
    else:
        lines += [f'const char *what = {c_str(what)};']
    args, outs = [], []
    for i, a in enumerate(plan):
        v = f'a{i}'
        k = a['kind']
        if k == 'err':
            args.append('err')
        elif i == null_idx:
            args.append('NULL')
        elif k in ('out', 'inout'):
            fill = a['fill'] if k == 'inout' or a['fill'] != 'CFX_SENTINEL' else f"({a['base']})CFX_SENTINEL"
            lines.append(f"{a['base']} {v} = {fill};")
            args.append('&' + v)
            outs.append((v, a))
        elif k == 'array':
            lines += [f"{a['base']} {v}[{a['size']}];", f'memset({v}, \'Z\', sizeof {v});',
                      f'{v}[sizeof {v} - 1] = \'\\0\';']
            args.append(v)
            outs.append((v, a))
        elif k == 'struct':
            lines += [f"{a['base']} {v};", f'memset(&{v}, 0xa5, sizeof {v});']
            args.append('&' + v)
            outs.append((v, a))
        else:
            args.append(a['expr'])
    call = f"{func}({', '.join(args)})"
    if ret == 'wb_status':
        want = 'WB_OK' if null_idx is None or safe else 'WB_ERR_INVALID_ARG'
        lines += [f'wb_status st = {call};', f'cfx_status(what, st, {want}, {"err" if has_err else "NULL"});']
        failed = 'st != WB_OK'
    elif ret == 'void':
        lines += [f'{call};', 'cfx_check(what, true, "");  /* it returned */']
        failed = None
    else:
        lines += [f'{ret} r = {call};']
        if safe or null_idx is None:
            lines += ['(void)r;', 'cfx_check(what, true, "");  /* it returned */']
        else:
            lines += ['cfx_check(what, r == 0, "returned a value for a NULL argument: want NULL, 0, false or the zero '
                      '(INVALID) enum");']
        failed = None if safe else 'true'
    for v, a in outs:
        k = a['kind']
        if k in ('out', 'inout'):
            cleared = f"{v} == {a['zero']}"
            real = f'{v} != NULL && {v} != ({a["base"]})CFX_SENTINEL' if a['zero'] == 'NULL' else None
        elif k == 'array':
            cleared, real = f"{v}[0] == '\\0'", None
        else:
            cleared, real = f'cfx_is_zero(&{v}, sizeof {v})', None
        if failed:
            lines.append(f'if ({failed})')
            lines.append(f'  cfx_check(what, {cleared}, "out-parameter {a["name"]} not cleared on failure");')
        if real is not None:
            if ret == 'wb_status':
                lines.append('if (st == WB_OK)')
                unset = f'"out-parameter {a["name"]} not set on success"'
                lines.append(f'  cfx_check(what, {v} != ({a["base"]})CFX_SENTINEL, {unset});')
            if a.get('free') or k == 'inout':
                lines.append(f'if ({real})')
                lines.append(f"  {a['free']}({v});")
    em.case(what, lines, 2 if has_err else 1)


def emit_function(em, d, enums):
    func, ret = d['name'], d['ret']
    plan = arg_plan(func, d['params'])
    if ret not in ('void', 'wb_status') and not ret.endswith('*') and ret not in enums and ret not in SCALAR_RETURNS:
        em.failing(func, f'return type `{ret}` has no zero value to check; add it to SCALAR_RETURNS')
        return
    if ret == 'wb_status':
        emit_call(em, d, plan, None)
    for i, a in enumerate(plan):
        if a['kind'] == 'err' or not a['pointer']:
            continue
        if ret == 'void' and not null_safe(func, a['name']):
            em.failing(f"{func}({a['name']}=NULL)", 'a void function cannot refuse NULL: make it NULL-safe, say so in '
                       'docs/api.md and add it to NULL_SAFE, or return wb_status')
            continue
        emit_call(em, d, plan, i)


def generate(src, out_path):
    decls, enums = parse_headers(src)
    names = {d['name'] for d in decls}
    exported = exported_names(src)
    if names != exported or len(names) != len(decls):
        raise Fail(f'parsed {len(decls)} declarations ({len(names)} names), the docs test exports {len(exported)}; '
                   f'differences: {sorted(names ^ exported)}')
    em = Emitter()
    for d in decls:
        emit_function(em, d, enums)
    text = ['/* Generated by tests/contract/gen_contract.py from the public headers: do not edit. */',
            '#include <stdbool.h>', '#include <stdint.h>', '#include <stdlib.h>', '#include <string.h>', '',
            '#include "contract_fx.h"', '']
    text += em.out
    text.append('int main(void) {')
    text += [f'  cfx_run({c_str(t)}, {n});' for n, t in em.cases]
    text.append(f'  printf("%d functions, {len(em.cases)} cases\\n", {len(decls)});')
    text.append('  return cfx_report();')
    text.append('}')
    text.insert(3, '#include <stdio.h>')
    body = '\n'.join(text) + '\n'
    old = open(out_path, encoding='utf-8').read() if os.path.exists(out_path) else None
    if old != body:
        with open(out_path + '.tmp', 'w', encoding='utf-8') as fh:
            fh.write(body)
        os.replace(out_path + '.tmp', out_path)


def doc_sections(doc):
    """'### name' (and '### Error model') -> the entry's text, whitespace collapsed."""
    parts = re.split(r'^(#{2,3} .*)$', doc, flags=re.M)
    sections = {}
    for i in range(1, len(parts) - 1, 2):
        title = parts[i].lstrip('#').strip()
        sections[title] = ' '.join(parts[i + 1].split())
    return sections


def check_docs(src):
    decls, _ = parse_headers(src)
    sections = doc_sections(open(os.path.join(src, 'docs', 'api.md'), encoding='utf-8').read())
    passed = failed = 0

    def check(ok, msg):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print('FAIL: ' + msg)

    for fp, pp, phrase, where in NULL_SAFE:
        hits = [(d['name'], p['name']) for d in decls for p in d['params']
                if fnmatch.fnmatchcase(d['name'], fp) and fnmatch.fnmatchcase(p['name'], pp) and is_pointer(p)]
        check(hits, f'NULL_SAFE entry ({fp}, {pp}) matches no pointer parameter: remove it')
        check('NULL' in phrase, f'NULL_SAFE entry ({fp}, {pp}): its reason must say NULL')
        wanted = ' '.join(phrase.split())
        for func in sorted({where or f for f, _ in hits}):
            check(wanted in sections.get(func, ''),
                  f'docs/api.md, "{func}": does not say "{phrase}" (NULL_SAFE entry ({fp}, {pp}))')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--src', required=True)
    ap.add_argument('--out')
    ap.add_argument('--check-docs', action='store_true')
    args = ap.parse_args()
    try:
        if args.check_docs:
            return check_docs(args.src)
        if not args.out:
            ap.error('--out or --check-docs')
        generate(args.src, args.out)
    except Fail as e:
        print(f'gen_contract.py: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
