/* Starts one thread and joins it: glibc >= 2.34 creates it with clone3 first (also on i386). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *body(void *arg) { return arg; }

int main(void) {
  pthread_t t;
  int err = pthread_create(&t, NULL, body, NULL);
  if (err) { fprintf(stderr, "pthread_create: %s\n", strerror(err)); return 1; }
  pthread_join(t, NULL);
  puts("thread ok");
  return 0;
}
