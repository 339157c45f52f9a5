/* SPDX-License-Identifier: MIT */
/*
 * cli/completion.c - `wristband completion bash|zsh`: a shell completion script, generated from
 * the command table and each command's usage text (the same text --help prints), so a new
 * command or option completes without editing a script. From a usage text: its synopsis (the
 * lines before the first two-space description line) gives the options with their value
 * placeholder and the positional arguments; description lines ("  --opt VALUE  ...") add options
 * the synopsis leaves out. A placeholder decides what completes: ALG the algorithm names, KEY,
 * FILE and the like file names, lower-case alternatives (jwk|pem) themselves, anything else
 * nothing. `cmake --install` installs both scripts (cli/CMakeLists.txt).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cli_usage_completion[] =
    "wristband completion bash|zsh\n"
    "  Prints a completion script for the shell: commands, options, algorithm names and files.\n"
    "  bash: source <(wristband completion bash), or install it as\n"
    "        share/bash-completion/completions/wristband (the CMake install step does)\n"
    "  zsh:  install it as _wristband in a directory of $fpath, such as share/zsh/site-functions\n"
    "        (the CMake install step does)\n";

#define MAX_OPTS  48
#define MAX_WORDS 160

/* What completes after an option, or for a command's positional arguments. */
typedef enum { KIND_NONE = 0, KIND_FILES, KIND_ALGS, KIND_WORDS, KIND_COMMANDS, KIND_VARS } kind;

typedef struct opt_info {
  char name[32];
  int has_value;
  kind what;
  char words[MAX_WORDS]; /* KIND_WORDS: space-separated */
} opt_info;

typedef struct cmd_info {
  const char *name;
  opt_info opts[MAX_OPTS];
  size_t nopts;
  kind positional;
  char pos_words[MAX_WORDS];
} cmd_info;

/* A token of a usage line without its brackets, "..." and commas: "[--alg" -> "--alg". */
static void clean(const char *tok, size_t len, char *out, size_t cap) {
  while (len > 0 && (*tok == '[' || *tok == '(')) {
    tok++;
    len--;
  }
  while (len > 0 && strchr("]).,;: ", tok[len - 1]) != NULL)
    len--;
  if (len >= cap)
    len = cap - 1;
  memcpy(out, tok, len);
  out[len] = '\0';
}

static int is_option(const char *t) {
  return t[0] == '-' && (isalpha((unsigned char)t[1]) || (t[1] == '-' && isalpha((unsigned char)t[2])));
}

/* The kind of a placeholder group such as "KEY|-", "ALG", "jwk|pem", "DURATION|none". */
static kind kind_of(const char *group, char *words, size_t cap) {
  char copy[96];
  kind k = KIND_NONE;
  words[0] = '\0';
  snprintf(copy, sizeof(copy), "%s", group);
  for (char *alt = strtok(copy, "|"); alt != NULL; alt = strtok(NULL, "|")) {
    if (strstr(alt, "ALG") != NULL)
      return KIND_ALGS;
    if (strcmp(alt, "VAR") == 0)
      return KIND_VARS;
    if (strstr(alt, "KEY") != NULL || strstr(alt, "FILE") != NULL)
      k = KIND_FILES;
    else if (islower((unsigned char)alt[0]) ||
             (isupper((unsigned char)alt[0]) && islower((unsigned char)alt[1])))
      snprintf(words + strlen(words), cap - strlen(words), "%s%s", words[0] ? " " : "", alt);
  }
  return k != KIND_NONE ? k : words[0] != '\0' ? KIND_WORDS : KIND_NONE;
}

static opt_info *add_opt(cmd_info *c, const char *name) {
  for (size_t i = 0; i < c->nopts; i++) {
    if (strcmp(c->opts[i].name, name) == 0)
      return NULL; /* known already: the synopsis said it first */
  }
  if (c->nopts == MAX_OPTS)
    return NULL;
  opt_info *o = &c->opts[c->nopts++];
  memset(o, 0, sizeof(*o));
  size_t n = strnlen(name, sizeof(o->name) - 1);
  memcpy(o->name, name, n);
  o->name[n] = '\0';
  return o;
}

/* One line's tokens: options with their values; with synopsis, also the positional arguments. */
static void scan_line(cmd_info *c, const char *line, size_t len, int synopsis, int first) {
  const char *p = line, *end = line + len;
  char tok[96], next[96];
  int skip = first ? 2 : 0; /* "wristband COMMAND" */
  while (p < end) {
    while (p < end && *p == ' ')
      p++;
    const char *s = p;
    while (p < end && *p != ' ')
      p++;
    if (p == s || skip-- > 0)
      continue;
    clean(s, (size_t)(p - s), tok, sizeof(tok));
    if (strcmp(tok, "|") == 0 || tok[0] == '\0')
      continue;
    if (!is_option(tok) && !synopsis)
      return; /* the description itself: options it mentions belong to other lines */
    if (!is_option(tok)) {
      c->positional = kind_of(tok, c->pos_words, sizeof(c->pos_words));
      continue;
    }
    char *eq = strchr(tok, '=');
    if (eq != NULL)
      *eq = '\0';
    opt_info *o = add_opt(c, tok);
    /* a value follows in the same bracket group: the option's raw token does not close it */
    const char *q = p;
    while (q < end && *q == ' ')
      q++;
    const char *v = q;
    while (q < end && *q != ' ')
      q++;
    int closes = s[p - s - 1] == ']' || s[p - s - 1] == ')';
    clean(v, (size_t)(q - v), next, sizeof(next));
    int value = !closes && q > v && next[0] != '\0' && !is_option(next) && strcmp(next, "|") != 0 &&
                (synopsis || isupper((unsigned char)next[0]));
    if (value) {
      if (o != NULL) {
        o->has_value = 1;
        o->what = kind_of(next, o->words, sizeof(o->words));
      }
      p = q;
    }
  }
}

static void scan_usage(cmd_info *c, const char *usage) {
  int synopsis = 1, first = 1;
  for (const char *line = usage; *line != '\0';) {
    const char *nl = strchr(line, '\n');
    size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
    if (!first && len > 2 && line[0] == ' ' && line[1] == ' ' && line[2] != ' ')
      synopsis = 0;
    if (synopsis || (len > 3 && strncmp(line, "  -", 3) == 0))
      scan_line(c, line, len, synopsis, first);
    first = 0;
    line += len + (nl != NULL);
  }
  add_opt(c, "--help");
}

/* ---- bash --------------------------------------------------------------------------------- */

static void print_algs(void) {
  for (int a = WB_ALG_INVALID + 1; a < WB_ALG_COUNT_; a++)
    printf("%s%s", a > 1 ? " " : "", wb_alg_name((wb_alg)a));
}

/* File names are read one a line with mapfile: $(compgen -f) in an array assignment would split
 * "my key.jwk" into two words and expand a name such as "[ab].pem" against the directory. The
 * word lists (options, algorithms) hold neither spaces nor glob characters. */
static void bash_reply(kind k, const char *words, const char *names) {
  if (k == KIND_FILES)
    printf("compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- \"$cur\"); return ;;\n");
  else if (k == KIND_VARS)
    printf("COMPREPLY=($(compgen -v -- \"$cur\")); return ;;\n");
  else if (k == KIND_ALGS)
    printf("COMPREPLY=($(compgen -W \""), print_algs(), printf("\" -- \"$cur\")); return ;;\n");
  else if (k == KIND_WORDS)
    printf("COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", words);
  else if (k == KIND_COMMANDS)
    printf("COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", names);
  else
    printf("COMPREPLY=(); return ;;\n");
}

static void print_bash(const cmd_info *cmds, size_t n, const char *names) {
  printf("# bash completion for wristband, generated by `wristband completion bash`\n"
         "_wristband() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
         "    COMPREPLY=($(compgen -W \"%s --help --version\" -- \"$cur\")); return\n"
         "  fi\n"
         "  case ${COMP_WORDS[1]} in\n",
         names);
  for (size_t i = 0; i < n; i++) {
    const cmd_info *c = &cmds[i];
    printf("  %s)\n    case $prev in\n", c->name);
    for (size_t j = 0; j < c->nopts; j++) {
      if (c->opts[j].has_value) {
        printf("      %s) ", c->opts[j].name);
        bash_reply(c->opts[j].what, c->opts[j].words, names);
      }
    }
    printf("    esac\n    if [[ $cur == -* ]]; then\n      COMPREPLY=($(compgen -W \"");
    for (size_t j = 0; j < c->nopts; j++)
      printf("%s%s", j > 0 ? " " : "", c->opts[j].name);
    printf("\" -- \"$cur\")); return\n    fi\n    case $cur in *) ");
    bash_reply(c->positional, c->pos_words, names);
    printf("    esac ;;\n");
  }
  printf("  esac\n}\ncomplete -F _wristband wristband\n");
}

/* ---- zsh ---------------------------------------------------------------------------------- */

static void zsh_reply(kind k, const char *words, const char *names) {
  if (k == KIND_FILES)
    printf("_files; return ;;\n");
  else if (k == KIND_VARS)
    printf("_parameters; return ;;\n");
  else if (k == KIND_ALGS)
    printf("compadd -- "), print_algs(), printf("; return ;;\n");
  else if (k == KIND_WORDS)
    printf("compadd -- %s; return ;;\n", words);
  else if (k == KIND_COMMANDS)
    printf("compadd -- %s; return ;;\n", names);
  else
    printf("return 1 ;;\n");
}

static void print_zsh(const cmd_info *cmds, size_t n, const char *names) {
  printf("#compdef wristband\n"
         "# zsh completion for wristband, generated by `wristband completion zsh`\n"
         "_wristband() {\n"
         "  local prev=${words[CURRENT-1]}\n"
         "  if (( CURRENT == 2 )); then\n"
         "    compadd -- %s --help --version; return\n"
         "  fi\n"
         "  case ${words[2]} in\n",
         names);
  for (size_t i = 0; i < n; i++) {
    const cmd_info *c = &cmds[i];
    printf("  %s)\n    case $prev in\n", c->name);
    for (size_t j = 0; j < c->nopts; j++) {
      if (c->opts[j].has_value) {
        printf("      %s) ", c->opts[j].name);
        zsh_reply(c->opts[j].what, c->opts[j].words, names);
      }
    }
    printf("    esac\n    if [[ $PREFIX == -* ]]; then\n      compadd --");
    for (size_t j = 0; j < c->nopts; j++)
      printf(" %s", c->opts[j].name);
    printf("; return\n    fi\n    case $PREFIX in *) ");
    zsh_reply(c->positional, c->pos_words, names);
    printf("    esac ;;\n");
  }
  printf("  esac\n}\n_wristband \"$@\"\n");
}

int cmd_completion(int argc, char **argv) {
  static cmd_info cmds[32];
  char names[512] = "";
  const char *shell;
  size_t n;
  int id = cli_parse_one_arg("completion", "SHELL", argc, argv, &shell);
  if (id != CLI_ARG_END)
    return cli_parse_done(id, cli_usage_completion);
  if (shell == NULL || (strcmp(shell, "bash") != 0 && strcmp(shell, "zsh") != 0))
    return cli_usage("completion", "name the shell: bash or zsh%s%s", shell != NULL ? ", not " : "",
                     shell != NULL ? shell : "");
  const cli_command *table = cli_commands(&n);
  if (n > sizeof(cmds) / sizeof(cmds[0]) - 1) /* keep one entry for "help" */
    n = sizeof(cmds) / sizeof(cmds[0]) - 1;
  for (size_t i = 0; i < n; i++) {
    memset(&cmds[i], 0, sizeof(cmds[i]));
    cmds[i].name = table[i].name;
    scan_usage(&cmds[i], table[i].usage);
    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i > 0 ? " " : "", table[i].name);
  }
  cmds[n].name = "help"; /* `wristband help COMMAND` */
  cmds[n].positional = KIND_COMMANDS;
  add_opt(&cmds[n++], "--help");
  if (strcmp(shell, "bash") == 0)
    print_bash(cmds, n, names);
  else
    print_zsh(cmds, n, names);
  return CLI_EXIT_OK;
}
