/* SPDX-License-Identifier: MIT */
/*
 * tests/server/unit/config_test.c - the config file and WRISTBAND_CONFIG where params_test.c
 * does not go (issue 16): a line without '=', an unknown or a `config` setting inside a file, an
 * over-long line, a missing file, whole numbers that are not, the file named by the environment
 * (for serve and for the admin commands). Each refusal is SRV_ERR_CONFIG with a message naming
 * the file and line, and a failed load leaves the settings read before it as they were.
 */
#include "config.h"
#include "fixture.h"

static char dir[] = "/tmp/wbconfigXXXXXX";

/* Writes text to DIR/name; returns the path (static buffer per call site: copy it). */
static const char *write_file(const char *name, const char *text) {
  static char path[128];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f != NULL) {
    fputs(text, f);
    fclose(f);
  }
  return path;
}

/* config_load_admin on a file holding text: the status, and the message in msg. */
static srv_status load_text(const char *text, srv_config *c, char msg[256]) {
  srv_error err = {0};
  const char *path = write_file("conf", text);
  srv_status st = config_load_admin(c, path, NULL, &err);
  snprintf(msg, 256, "%s", err.message);
  return st;
}

static void test_file_refusals(void) {
  static const struct {
    const char *text;
    const char *says;
  } bad[] = {
      {"# fine\n\naccess-ttl = 5m\nthis line has no equals sign\n", "conf:4: expected name = value"},
      {"colour = blue\n", "conf:1: unknown setting 'colour'"},
      {"config = /etc/other.conf\n", "conf:1: unknown setting 'config'"},
      {"token-rate = lots\n", "token-rate"},
      {"token-rate = 12x\n", "token-rate"},
      {"token-rate = 99999999999999999999999\n", "token-rate"},
      {"lockout-failures = -3\n", "lockout-failures"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    srv_config c;
    char msg[256];
    CHECK_SRV(config_init(&c, NULL), SRV_OK);
    CHECK(load_text(bad[i].text, &c, msg) == SRV_ERR_CONFIG);
    if (strstr(msg, bad[i].says) == NULL)
      fprintf(stderr, "config %zu: message '%s' does not say '%s'\n", i, msg, bad[i].says);
    CHECK(strstr(msg, bad[i].says) != NULL);
    CHECK(c.token_rate == 300 && c.lockout_failures == 5); /* the defaults, untouched */
    config_free(&c);
  }
  /* A line longer than the reader's buffer is refused, not split into two settings. */
  char longline[1200];
  memset(longline, 'a', sizeof(longline) - 2);
  memcpy(longline, "issuer = ", 9);
  longline[sizeof(longline) - 2] = '\n';
  longline[sizeof(longline) - 1] = '\0';
  srv_config c;
  char msg[256];
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK(load_text(longline, &c, msg) == SRV_ERR_CONFIG && strstr(msg, "conf:1: line too long") != NULL);
  CHECK(c.issuer == NULL);
  config_free(&c);
  /* A file that is not there. */
  srv_error err = {0};
  char missing[128];
  snprintf(missing, sizeof(missing), "%s/absent.conf", dir);
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_load_admin(&c, missing, NULL, &err), SRV_ERR_CONFIG);
  CHECK(strstr(err.message, "cannot read the config file") != NULL &&
        strstr(err.message, "absent.conf") != NULL);
  config_free(&c);
}

/* WRISTBAND_CONFIG names the file when no --config is given, for serve and the admin commands;
 * --config wins over it; an empty WRISTBAND_CONFIG is no file. */
static void test_config_from_environment(void) {
  char path[128], other[128];
  snprintf(path, sizeof(path), "%s", write_file("env.conf", "access-ttl = 7m\ntoken-rate = 9\n"));
  snprintf(other, sizeof(other), "%s", write_file("flag.conf", "access-ttl = 3m\n"));
  srv_config c;
  srv_error err = {0};
  int help = 0;
  setenv("WRISTBAND_CONFIG", path, 1);
  char *plain[] = {"serve", NULL};
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_parse_serve(&c, 1, plain, &help, &err), SRV_OK);
  CHECK(c.access_ttl_s == 420 && c.token_rate == 9 && help == 0);
  config_free(&c);
  char *with_flag[] = {"serve", "--config", other, NULL};
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_parse_serve(&c, 3, with_flag, &help, &err), SRV_OK);
  CHECK(c.access_ttl_s == 180 && c.token_rate == 300);
  config_free(&c);
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_load_admin(&c, NULL, "sqlite:/tmp/x.db", &err), SRV_OK);
  CHECK(c.access_ttl_s == 420 && strcmp(c.store_url, "sqlite:/tmp/x.db") == 0);
  config_free(&c);
  setenv("WRISTBAND_CONFIG", "", 1);
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_parse_serve(&c, 1, plain, &help, &err), SRV_OK);
  CHECK(c.access_ttl_s == 900);
  config_free(&c);
  /* A WRISTBAND_CONFIG that names no file is an error, not silence. */
  setenv("WRISTBAND_CONFIG", "/nonexistent/wristband.conf", 1);
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_parse_serve(&c, 1, plain, &help, &err), SRV_ERR_CONFIG);
  config_free(&c);
  CHECK_SRV(config_init(&c, NULL), SRV_OK);
  CHECK_SRV(config_load_admin(&c, NULL, NULL, &err), SRV_ERR_CONFIG);
  config_free(&c);
  unsetenv("WRISTBAND_CONFIG");
}

int main(void) {
  if (mkdtemp(dir) == NULL)
    return 2;
  test_file_refusals();
  test_config_from_environment();
  char cmd[64];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 2;
  return CHECK_DONE();
}
