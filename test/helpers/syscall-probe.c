/* Test helper: make raw syscalls and print what the kernel answered, one line each:
 *   syscall-probe NR[,A0[,A1...]] ...   ->   "NR RET ERRNO"   (ERRNO is 0 when RET >= 0)
 * Numbers are strtoul(…, 0), so 0x40000000|435 can be written as 0x400001b3. Built natively and
 * with -m32, so the seccomp filter sees the x86_64/x32 or the i386 ABI. Callers pick harmless calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
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
    long r = syscall((long)v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    printf("%s %ld %d\n", argv[i], r, r < 0 ? errno : 0);
    fflush(stdout);
  }
  return 0;
}
