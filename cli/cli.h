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
 * Prints `wristband: <reason>: <message>` (one line: control characters in the message are
 * replaced) to stderr and returns code, so callers write `return cli_fail(2, "usage", ...)`.
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
/** A warning line `wristband: warning: <message>` on stderr (never on a failure path). */
void cli_warn(const char *msg);

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

/** DURATION: digits followed by s, m, h or d (30s, 15m, 2h, 7d). 0 on success, else usage error. */
int cli_parse_duration(const char *cmd, const char *opt, const char *text, int64_t *seconds);
/** UNIX time: non-negative decimal seconds. 0 on success, else usage error printed. */
int cli_parse_unix(const char *cmd, const char *opt, const char *text, int64_t *t);
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
/** 1 when path means stdin: NULL (omitted) or "-". */
int cli_is_stdin(const char *path);
/** Wipes and frees buf. NULL-safe, idempotent. */
void cli_buf_free(cli_buf *buf);

/**
 * Reads a TOKEN: the argument itself, or stdin when arg is NULL or "-". Surrounding whitespace
 * (a trailing newline) is dropped; empty, over 64 KiB or containing control bytes is rejected
 * with exit 1. On success *tok and *len point into buf (or arg).
 */
int cli_read_token(const char *arg, cli_buf *buf, const char **tok, size_t *len);

/** Writes text and a newline to stdout. */
void cli_print_line(const char *text);

/**
 * Writes data to path with mode 0600 (also when path existed with other permissions): open with
 * O_CREAT|O_TRUNC and mode 0600, fchmod 0600, write, close; on any error the file is removed.
 * Returns 0 or CLI_EXIT_USAGE after printing an io error.
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
 * Loads KEY (file or "-"): a JWK or PEM/DER key into k->key, or a JWKS into k->set. A PEM/DER key
 * without kid gets its RFC 7638 thumbprint as kid. Returns 0 or CLI_EXIT_USAGE after printing.
 */
int cli_load_key(const char *path, cli_key *k);
/** Loads KEY as a key set for verification (wb_keyset_parse: a JWKS or one key); no kid added. */
int cli_load_key_set(const char *path, cli_key *k);
/** cli_load_key that insists on exactly one key (k->one is then set). */
int cli_load_one_key(const char *cmd, const char *path, cli_key *k);
void cli_key_free(cli_key *k);

/* ---- commands ----------------------------------------------------------------------------- */

/** Each command takes argv[0] = its own name; returns the process exit code. */
int cmd_keygen(int argc, char **argv);
int cmd_pubkey(int argc, char **argv);
int cmd_thumbprint(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_decode(int argc, char **argv);
int cmd_jwks(int argc, char **argv);
/* The server and its administration (issue 8): shims over server/ (cli/serve.c, cli/admin*.c). */
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_client(int argc, char **argv);
int cmd_keys(int argc, char **argv);

/* Usage texts (printed by --help), defined next to each command. */
extern const char cli_usage_keygen[];
extern const char cli_usage_pubkey[];
extern const char cli_usage_thumbprint[];
extern const char cli_usage_sign[];
extern const char cli_usage_verify[];
extern const char cli_usage_decode[];
extern const char cli_usage_jwks[];
extern const char cli_usage_serve[];
extern const char cli_usage_user[];
extern const char cli_usage_client[];
extern const char cli_usage_keys[];

#endif
