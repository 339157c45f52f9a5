/* SPDX-License-Identifier: MIT */
/*
 * server/store/migrations.h - the schema migrations compiled into the binary: the SQL files of
 * server/store/migrations/, embedded by embed_sql.cmake in version order. A store applies every
 * migration newer than its database's version, each in one transaction, and refuses a database
 * whose version is newer than the last one it knows.
 */
#ifndef WB_SERVER_MIGRATIONS_H
#define WB_SERVER_MIGRATIONS_H

typedef struct store_migration {
  int version;      /* the file's number: 1, 2, ... (strictly increasing) */
  const char *name; /* the file name, for messages */
  const char *sql;  /* NUL-terminated statements */
} store_migration;

extern const store_migration store_migrations[]; /* SQLite: server/store/migrations/ */
extern const unsigned store_migration_count;
extern const store_migration store_pg_migrations[]; /* PostgreSQL: server/store/migrations_pg/ */
extern const unsigned store_pg_migration_count;

#endif
