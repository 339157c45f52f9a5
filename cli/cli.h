/* SPDX-License-Identifier: MIT */
/*
 * cli/cli.h - what the `wristband` subcommands share: exit codes, the option parser, DURATION and
 * UNIX time parsing, bounded reading of files and stdin, key loading and the one-line error format.
 *
 * The contract these implement is issue 3 (docs/wristband.1 documents it for users): a failure
 * prints exactly one line `wristband: <reason>: <message>` to stderr and nothing to stdout; exit 0
 * is success, 1 a rejected token, 2 a usage error or an unreadable or invalid key or file.
 * The CLI is a client of the public API only (wristband/wristband.h); no JOSE logic lives here.
 */
#ifndef WB_CLI_H
#define WB_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "wristband/wristband.h"

/* ---- exit codes --------------------------------------------------------------------------- */

enum {
  CLI_EXIT_OK = 0,       /* success */
  CLI_EXIT_REJECTED = 1, /* the token was rejected (signature, claims, malformed, policy) */
  CLI_EXIT_USAGE = 2     /* usage error, unreadable or invalid key or file */
};

/* Size caps applied while reading, before any parsing. */
#define CLI_MAX_FILE       (1024u * 1024u) /* key and claims files */
#define CLI_MAX_READ_TOKEN (CLI_MAX_FILE)  /* a token read from stdin; trimmed, then 64 KiB applies */

/* ---- errors ------------------------------------------------------------------------------- */

/**
 * Prints `wristband: <reason>: <message>` (one line: a tab becomes a space and whatever
 * cli_tty_unsafe() names becomes '?', since messages quote token values and file names) to stderr
 * and returns code, so callers write `return cli_fail(2, "usage", ...)`.
 */
int cli_fail(int code, const char *reason, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/** cli_fail with the library's reason word (wb_status_name(err->code)) and message. */
int cli_fail_wb(int code, const wb_error *err);
/** A usage error of command cmd (NULL for the top level): ends with "(see wristband [cmd] --help)". */
int cli_usage(const char *cmd, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/**
 * A warning line `wristband: warning: <message>` on stderr, in colour when stderr is a terminal
 * (cli_color). Held until the command ends (cli_flush_notes): shown when it succeeds, dropped when
 * it fails, whose one line on stderr is the error.
 */
void cli_warn(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/** A note line `wristband: note: <message>`: something the command did for the user; as cli_warn. */
void cli_note(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/** Prints the held warnings and notes when show (the command succeeded), else drops them. */
void cli_flush_notes(int show);
/** realloc that stops the CLI with a nomem error (exit 2) when memory runs out (CLI only). */
void *cli_xrealloc(void *p, size_t n);

/* ---- option parsing ----------------------------------------------------------------------- */

/** One option of a command: long name ("--key"), optional short alias ("-o"), takes a value? */
typedef struct cli_opt {
  const char *name;
  const char *alias; /* or NULL */
  int has_value;     /* 1: the next argument (or "=VALUE") is its value */
  int id;            /* returned by cli_next; > 0 */
} cli_opt;

/* cli_next results besides option ids. */
enum {
  CLI_ARG_END = 0,         /* no more arguments */
  CLI_ARG_POSITIONAL = -1, /* *value is a positional argument ("-" included) */
  CLI_ARG_HELP = -2,       /* --help or -h */
  CLI_ARG_ERROR = -3       /* already reported as a usage error: return CLI_EXIT_USAGE */
};

/** Walks argv[1..argc) of one command. Accepts "--opt VALUE", "--opt=VALUE" and "--". */
typedef struct cli_parser {
  int argc;
  char **argv;
  int next;            /* index of the next argument to look at */
  int only_positional; /* after "--" */
  const char *cmd;     /* command name for messages */
  const cli_opt *opts; /* terminated by an entry with name NULL */
} cli_parser;

void cli_parser_init(cli_parser *p, const char *cmd, const cli_opt *opts, int argc, char **argv);
/** The next option id (value in *value when it takes one), or a CLI_ARG_* result. */
int cli_next(cli_parser *p, const char **value);

/** Stores one parsed argument (id is an option id or CLI_ARG_POSITIONAL); nonzero = usage error printed. */
typedef int (*cli_store_fn)(void *ctx, int id, const char *value);
/** Runs the parser over all arguments, calling store for each: CLI_ARG_END, _HELP or _ERROR. */
int cli_parse(const char *cmd, const cli_opt *opts, int argc, char **argv, cli_store_fn store, void *ctx);
/** The long name of option id in opts ("--key"). */
const char *cli_opt_name(const cli_opt *opts, int id);
/**
 * For a command whose parse ended with id CLI_ARG_HELP or CLI_ARG_ERROR: prints usage (help) to
 * stdout and returns CLI_EXIT_OK, or returns CLI_EXIT_USAGE (the error is already printed).
 */
int cli_parse_done(int id, const char *usage);
/** Parses a command with no options and at most one positional argument (*arg, NULL if none). */
int cli_parse_one_arg(const char *cmd, const char *what, int argc, char **argv, const char **arg);

/** Stores value in *slot once; a second occurrence of opt is a usage error (returns nonzero). */
int cli_set_once(const char *cmd, const char **slot, const char *value, const char *opt);

/** A growable list of strings for repeatable options (--aud, --alg, --claim, ...). */
typedef struct cli_list {
  const char **items;
  size_t count;
} cli_list;
/** Appends value (borrowed from argv); exits the process on out-of-memory (CLI only). */
void cli_list_add(cli_list *l, const char *value);
void cli_list_free(cli_list *l);

/* ---- values ------------------------------------------------------------------------------- */

/* Ranges of time values (cli/times.c). */
#define CLI_MAX_UNIX     INT64_C(253402300799)    /* 9999-12-31T23:59:59Z: four-digit years */
#define CLI_MAX_DURATION (INT64_C(36500) * 86400) /* 100 years */
#define CLI_MAX_LEEWAY   (INT64_C(366) * 86400)   /* wb_verifier_set_leeway's limit */

/**
 * DURATION: whole numbers with units d, h, m, s in that order, each at most once (30s, 15m, 1h30m);
 * with bare_seconds a lone number is seconds. 0 to max. 0 on success, else a usage error naming
 * the range is printed.
 */
int cli_parse_duration(const char *cmd, const char *opt, const char *text, int64_t max, int bare_seconds,
                       int64_t *seconds);
/**
 * TIME (--exp, --nbf): [+|-]DURATION from now, a UNIX time or RFC 3339 (Z or +HH:MM; no fraction),
 * within 1970..9999. *relative tells whether it was a DURATION. 0, else a usage error is printed.
 */
int cli_parse_time(const char *cmd, const char *opt, const char *text, int64_t now, int64_t *t,
                   int *relative);
/** --now: a UNIX time or RFC 3339, 1970..9999. 0 on success, else usage error printed. */
int cli_parse_unix(const char *cmd, const char *opt, const char *text, int64_t *t);
/** t as "2026-12-31T23:59:59Z" (out needs 21 bytes). */
void cli_format_date(int64_t t, char *out, size_t cap);
/** An algorithm name ("none" and unknown names are usage errors). 0 on success. */
int cli_parse_alg(const char *cmd, const char *text, wb_alg *alg);

/* ---- input and output --------------------------------------------------------------------- */

/** Bytes read from a file or stdin; NUL-terminated (data[len] == 0), wiped when freed. */
typedef struct cli_buf {
  char *data;
  size_t len;
} cli_buf;

/**
 * Reads path ("-" = stdin; NULL = omitted, read from stdin unless that is a terminal, which is a
 * usage error rather than a silent wait) into buf, at most cap bytes: more is too_large. what
 * names the input in messages ("KEY"). Returns 0, or `code` after printing the error.
 */
int cli_read(const char *path, size_t cap, const char *what, int code, cli_buf *buf);
/** 1 for the JSON whitespace bytes: space, tab, CR, LF. */
int cli_is_space(char c);
/** 1 when path means stdin: NULL (omitted) or "-". */
int cli_is_stdin(const char *path);
/** Wipes and frees buf. NULL-safe, idempotent. */
void cli_buf_free(cli_buf *buf);

/**
 * Reads a TOKEN: the argument itself, or stdin when arg is NULL or "-". Surrounding whitespace
 * (a trailing newline) and a "Bearer " prefix (with a note) are dropped; empty, over 64 KiB,
 * holding whitespace or binary bytes, or with 1, 4 or more than 5 segments is rejected with exit 1
 * and a message saying what it looked like (JSON, PEM, a file name). Two segments pass (decode
 * shows a token without signature). On success *tok and *len point into buf (or arg).
 */
int cli_read_token(const char *arg, cli_buf *buf, const char **tok, size_t *len);

/** Writes text and a newline to stdout. */
void cli_print_line(const char *text);

/* ---- terminal output and JSON layout (cli/jsonfmt.c, cli/io.c) ------------------------------ */

/* Colours (SGR) of the terminal views: header, claims, warnings. */
#define CLI_SGR_HEADER "\033[31m"
#define CLI_SGR_CLAIMS "\033[35m"
#define CLI_SGR_WARN   "\033[33m"
#define CLI_SGR_RESET  "\033[0m"

/* cli_utf8_next's code point for a byte that does not start well-formed UTF-8. */
#define CLI_NOT_UTF8 UINT32_C(0xffffffff)
/**
 * The character at text[0..n) (n > 0): its length in bytes and its code point in *cp; for a byte
 * that does not start well-formed UTF-8 (stray, overlong, surrogate, cut short) 1 and CLI_NOT_UTF8.
 */
size_t cli_utf8_next(const char *text, size_t n, uint32_t *cp);
/**
 * 1 for what must never reach a terminal raw from text someone else wrote (a token's values, file
 * names): C0 controls, DEL and C1 controls (CSI U+009B, OSC U+009D: escape sequences), bidi marks,
 * embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069:
 * text shown in another order than it is), line and paragraph separators, and CLI_NOT_UTF8.
 */
int cli_tty_unsafe(uint32_t cp);
/** 1 when fd is a terminal. */
int cli_isatty(int fd);
/** 1 when output to fd may be coloured: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
int cli_color(int fd);
/**
 * Valid JSON text (as the library returns it) laid out by moving whitespace only: compact (pretty
 * 0) or indented by two spaces; with tty, characters cli_tty_unsafe() names inside strings (names
 * and values) become \u escapes, the same JSON value (\ufffd for a byte that is not UTF-8).
 * Numbers are copied as written. A new string (free()); the CLI exits on out-of-memory.
 */
char *cli_json_layout(const char *json, size_t len, int pretty, int tty);
/** Prints JSON: compact, or pretty in colour sgr (NULL: none); a newline follows. */
void cli_print_json(const char *json, size_t len, int pretty, const char *sgr);
/** The text of top-level member name of a valid JSON object: 1 and *value, or 0 when absent. */
int cli_json_member(const char *json, size_t len, const char *name, const char **value, size_t *value_len);

/**
 * Writes data (a secret) to path, "-" meaning stdout. path must be absent or a regular file (a
 * symlink, device, FIFO or directory is refused, never followed nor removed); the data goes into a
 * new mode 0600 file created with O_EXCL beside it, which rename() then puts over path. On failure
 * path is as it was. Returns 0 or CLI_EXIT_USAGE after printing an io error. See cli/outfile.c.
 */
int cli_write_private(const char *path, const char *data, size_t len);

/** Wipes n bytes at p with a memset the optimiser keeps. */
void cli_wipe(void *p, size_t n);

/* ---- keys --------------------------------------------------------------------------------- */

/** A loaded KEY argument: a single key, or a key set when the file was a JWKS. */
typedef struct cli_key {
  wb_key *key;       /* a JWK, PEM or DER key (owned), or NULL */
  wb_keyset *set;    /* a JWKS (owned), or NULL */
  const wb_key *one; /* the key when there is exactly one (key, or the set's only key), or NULL */
} cli_key;

/**
 * Loads KEY (file or "-") for command cmd: a JWK or PEM/DER key into k->key, or a JWKS into k->set.
 * A PEM/DER key without kid gets its RFC 7638 thumbprint as kid. Returns 0 or CLI_EXIT_USAGE after
 * printing a message saying what the file looked like (naming --secret-file where cmd has it).
 */
int cli_load_key(const char *cmd, const char *path, cli_key *k);
/** Loads KEY as a key set for verification (wb_keyset_parse: a JWKS or one key); no kid added. */
int cli_load_key_set(const char *cmd, const char *path, cli_key *k);
/** cli_load_key that insists on exactly one key (k->one is then set). */
int cli_load_one_key(const char *cmd, const char *path, cli_key *k);
void cli_key_free(cli_key *k);
/** "a, b, c" (kids of set, "(none)" for keys without), truncated with "..." to fit cap. */
void cli_kid_list(const wb_keyset *set, char *out, size_t cap);

/* ---- HMAC secrets (cli/secret.c) --------------------------------------------------------- */

/** Where an HMAC secret comes from: at most one of the three is set. */
typedef struct cli_secret {
  const char *file; /* --secret-file FILE: raw bytes */
  const char *env;  /* --secret-env VAR */
  const char *b64;  /* --secret-b64 FILE|-: base64 or base64url text */
} cli_secret;

/* Which secret option a command's parser saw (CLI_SECRET_ARG: --secret, always refused). */
enum { CLI_SECRET_FILE = 1, CLI_SECRET_ENV, CLI_SECRET_B64, CLI_SECRET_ARG };

/** Records one secret option; a second one, or --secret, is a usage error (nonzero). */
int cli_secret_opt(cli_secret *s, int which, const char *value, const char *cmd);
/** 1 when a secret option was given. */
int cli_secret_given(const cli_secret *s);
/** 1 when the secret is read from stdin (--secret-b64 -). */
int cli_secret_uses_stdin(const cli_secret *s);
/** Makes the oct key of the secret. Returns 0 or the exit code after printing. */
int cli_load_secret(const char *cmd, const cli_secret *s, wb_key **key);
/** An oct key shorter than alg's hash: bad_key naming both lengths (exit 2). 0 when it fits. */
int cli_check_hmac_len(const wb_key *key, wb_alg alg);

/** Output formats of keys. */
typedef enum { CLI_FORMAT_JWK = 1, CLI_FORMAT_PEM } cli_format;

/**
 * Prints key (WB_KEY_PRIVATE: its private part too, when it has one) as a JWK or PEM, to stdout
 * when path is NULL or "-", else to the file path (cli_write_private). Returns 0 or the exit code
 * after printing the error (an oct key has no PEM form and no public half).
 */
int cli_emit_key(const wb_key *key, cli_format format, wb_key_part part, const char *path);
/** The same for a key set: a JWKS, or PEM when the set holds exactly one key. */
int cli_emit_set(const wb_keyset *set, cli_format format, wb_key_part part, const char *path);

/* ---- commands ----------------------------------------------------------------------------- */

/** Each command takes argv[0] = its own name; returns the process exit code. */
int cmd_keygen(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_thumbprint(int argc, char **argv);
int cmd_dpop(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_jwks(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_completion(int argc, char **argv);
/* The server and its administration (issue 8): shims over server/ (cli/serve.c, cli/admin*.c). */
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_client(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_store(int argc, char **argv);

/* Usage texts (printed by --help), defined next to each command. */
extern const char cli_usage_keygen[];
extern const char cli_usage_pubkey[];
extern const char cli_usage_thumbprint[];
extern const char cli_usage_dpop[];
extern const char cli_usage_sign[];
extern const char cli_usage_verify[];
extern const char cli_usage_decode[];
extern const char cli_usage_jwks[];
extern const char cli_usage_convert[];
extern const char cli_usage_completion[];

/** One entry of the command table (cli/main.c). */
typedef struct cli_command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *usage;
} cli_command;
/** The command table and its length: what `completion` generates its scripts from. */
const cli_command *cli_commands(size_t *count);
extern const char cli_usage_serve[];
extern const char cli_usage_user[];
extern const char cli_usage_client[];
extern const char cli_usage_keys[];
extern const char cli_usage_store[];

#endif
