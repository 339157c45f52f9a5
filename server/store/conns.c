/* SPDX-License-Identifier: MIT */
/*
 * server/store/conns.c - the list of a store's per-thread connections (conns.h).
 */
#include "conns.h"

#include <stddef.h>

void conns_add(pthread_mutex_t *lock, conn_link **head, conn_link *c) {
  pthread_mutex_lock(lock);
  c->prev = NULL;
  c->next = *head;
  if (*head != NULL)
    (*head)->prev = c;
  *head = c;
  pthread_mutex_unlock(lock);
}

void conns_remove(pthread_mutex_t *lock, conn_link **head, conn_link *c) {
  pthread_mutex_lock(lock);
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    *head = c->next;
  if (c->next != NULL)
    c->next->prev = c->prev;
  pthread_mutex_unlock(lock);
}

conn_link *conns_take_all(pthread_mutex_t *lock, conn_link **head) {
  pthread_mutex_lock(lock);
  conn_link *all = *head;
  *head = NULL;
  pthread_mutex_unlock(lock);
  return all;
}
