/* SPDX-License-Identifier: MIT */
/*
 * cli/admin.c - the admin commands' shared helpers (cli/admin.h).
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin.h"
#include "passwords.h"

int admin_fail(const srv_error *err) {
  int code = err->code == SRV_ERR_INVALID_REQUEST || err->code == SRV_ERR_CONFIG ? CLI_EXIT_USAGE
                                                                                 : CLI_EXIT_REJECTED;
  return cli_fail(code, srv_status_name(err->code), "%s", err->message);
}

int admin_open(admin *a, const char *store_flag) {
  srv_error err;
  memset(a, 0, sizeof(*a));
  if (config_init(&a->cfg, &err) != SRV_OK)
    return admin_fail(&err);
  if (config_load_admin(&a->cfg, NULL, store_flag, &err) != SRV_OK ||
      srv_open(&a->s, &a->cfg, SRV_MODE_ADMIN, NULL, &err) != SRV_OK) {
    config_free(&a->cfg);
    return admin_fail(&err);
  }
  a->open = 1;
  return 0;
}

void admin_close(admin *a) {
  if (!a->open)
    return;
  srv_close(&a->s);
  config_free(&a->cfg);
  a->open = 0;
}

/* One line from f into buf (without its newline); -1 when longer than cap - 1 or empty input. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len) {
  *len = 0;
  int c;
  while ((c = fgetc(f)) != EOF && c != '\n') {
    if (*len + 1 >= cap)
      return -1;
    buf[(*len)++] = (char)c;
  }
  if (*len > 0 && buf[*len - 1] == '\r')
    (*len)--;
  buf[*len] = '\0';
  return c == EOF && *len == 0 ? -1 : 0;
}

/* Prompts on the terminal with echo off. Echo goes off (dropping anything typed ahead) before
 * the prompt shows, so what is typed after it is kept. */
static int prompt(const char *text, char *buf, size_t cap, size_t *len) {
  struct termios old, quiet;
  int have_tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (have_tty) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  fputs(text, stderr);
  fflush(stderr);
  int rc = read_line(stdin, buf, cap, len);
  if (have_tty)
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
  fputc('\n', stderr);
  return rc;
}

int admin_read_password(const char *cmd, char *buf, size_t cap, size_t *len) {
  if (!isatty(STDIN_FILENO)) {
    if (read_line(stdin, buf, cap, len) != 0)
      return cli_usage(cmd, "give the password as one line on stdin (at most %u bytes)", PW_MAX_LEN);
    return 0;
  }
  char again[PW_MAX_LEN + 2];
  size_t again_len = 0;
  int rc = 0;
  if (prompt("New password: ", buf, cap, len) != 0 ||
      prompt("Again: ", again, sizeof(again), &again_len) != 0)
    rc = cli_usage(cmd, "no password given");
  else if (again_len != *len || memcmp(again, buf, *len) != 0)
    rc = cli_usage(cmd, "the passwords differ");
  cli_wipe(again, sizeof(again));
  return rc;
}
