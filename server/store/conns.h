/* SPDX-License-Identifier: MIT */
/*
 * server/store/conns.h - the list of a store's open per-thread connections, the same for SQLite
 * and PostgreSQL (server/store/conns.c). Each thread opens its own connection on first use and
 * a pthread key destructor closes it when the thread exits; the store keeps them all in this
 * list, under its own lock, so that closing the store closes every one and a setting can reach
 * each (the SQLite busy timeout). A connection struct embeds a conn_link as its first member.
 */
#ifndef WB_STORE_CONNS_H
#define WB_STORE_CONNS_H

#include <pthread.h>

typedef struct conn_link {
  struct conn_link *prev, *next;
} conn_link;

/** Puts c at the head of *head, under lock. */
void conns_add(pthread_mutex_t *lock, conn_link **head, conn_link *c);
/** Takes c out of *head, under lock. */
void conns_remove(pthread_mutex_t *lock, conn_link **head, conn_link *c);
/** Empties *head under lock and returns what it held, for the caller to close one by one. */
conn_link *conns_take_all(pthread_mutex_t *lock, conn_link **head);

#endif
