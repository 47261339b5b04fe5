/* Test helper (x86_64 only): make i386 syscalls with `int $0x80` from a 64-bit process, so the
 * registers keep whatever upper halves we give them:
 *   int80-probe NR[,A0[,A1,A2]] ...   ->   "ARG RET" per call (RET is -errno on failure)
 * An i386 filter sees those upper halves in seccomp_data.args (the kernel does not clear them),
 * which is why libseccomp compares only the low words on 32-bit arches. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    unsigned long v[4] = {0};
    int n = 0;
    char *s = argv[i];
    while (n < 4 && *s) {
      char *end;
      v[n++] = strtoul(s, &end, 0);
      if (*end != ',' && *end != 0) { fprintf(stderr, "int80-probe: bad argument %s\n", argv[i]); return 125; }
      s = *end ? end + 1 : end;
    }
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(v[0]), "b"(v[1]), "c"(v[2]), "d"(v[3]) : "memory");
    printf("%s %ld\n", argv[i], ret);
    fflush(stdout);
  }
  return 0;
}
