/* Test helper: make raw syscalls and print what the kernel answered, one line each:
 *   syscall-probe [--int80] NR[,A0[,A1...]] ...   ->   "NR RET ERRNO"   (ERRNO is 0 when RET >= 0)
 * Numbers are strtoul(…, 0), so 0x40000000|435 can be written as 0x400001b3. Built natively and
 * with -m32, so the seccomp filter sees the x86_64/x32 or the i386 ABI. Callers pick harmless calls.
 * --int80 (x86_64 build only) makes i386 syscalls with `int $0x80` from the 64-bit process: the
 * registers keep whatever upper halves they are given, and the kernel hands those to the filter. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long int80(const unsigned long *v) {
#ifdef __x86_64__
  long ret;
  __asm__ volatile("int $0x80" : "=a"(ret) : "a"(v[0]), "b"(v[1]), "c"(v[2]), "d"(v[3]), "S"(v[4]), "D"(v[5]) : "memory");
  if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
  return ret;
#else
  (void)v;
  fprintf(stderr, "syscall-probe: --int80 needs an x86_64 build\n");
  exit(125);
#endif
}

int main(int argc, char **argv) {
  int i = 1, use_int80 = 0;
  if (i < argc && !strcmp(argv[i], "--int80")) { use_int80 = 1; i++; }
  for (; i < argc; i++) {
    unsigned long v[7] = {0};
    int n = 0;
    char *s = argv[i];
    while (n < 7 && *s) {
      char *end;
      v[n++] = strtoul(s, &end, 0);
      if (*end != ',' && *end != 0) { fprintf(stderr, "syscall-probe: bad argument %s\n", argv[i]); return 125; }
      s = *end ? end + 1 : end;
    }
    errno = 0;
    long r = use_int80 ? int80(v) : syscall((long)v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    printf("%s %ld %d\n", argv[i], r, r < 0 ? errno : 0);
    fflush(stdout);
  }
  return 0;
}
