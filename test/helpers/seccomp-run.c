/* Test helper: install raw seccomp programs, then execvp a command.
 *   seccomp-run [--nnp] [--prctl] [--bpf FILE]... -- CMD [ARGS...]
 * FILE holds struct sock_filter entries in host byte order. Programs are installed in the order
 * given, so the last one is the newest. Without --nnp the caller needs CAP_SYS_ADMIN, as an old
 * container engine does (Docker leaves NO_NEW_PRIVS off). Own failures exit 125 with one line. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what, const char *arg) {
  fprintf(stderr, "seccomp-run: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  exit(125);
}

static void install(const char *path, int use_prctl) {
  static unsigned char buf[8 * 4097];
  int fd = open(path, O_RDONLY);
  if (fd < 0) die("open", path);
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0 || n % 8 != 0 || n > 8 * 4096) { errno = EINVAL; die("bad program", path); }
  struct sock_fprog prog = { .len = (unsigned short)(n / 8), .filter = (struct sock_filter *)buf };
  long r = use_prctl ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)
                     : syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
  if (r != 0) die("install", path);
}

int main(int argc, char **argv) {
  int nnp = 0, use_prctl = 0, i = 1;
  const char *files[64];
  int nfiles = 0;
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--")) { i++; break; }
    if (!strcmp(argv[i], "--nnp")) nnp = 1;
    else if (!strcmp(argv[i], "--prctl")) use_prctl = 1;
    else if (!strcmp(argv[i], "--bpf") && i + 1 < argc && nfiles < 64) files[nfiles++] = argv[++i];
    else { fprintf(stderr, "seccomp-run: usage: seccomp-run [--nnp] [--prctl] [--bpf FILE]... -- CMD [ARGS...]\n"); return 125; }
  }
  if (i >= argc) { fprintf(stderr, "seccomp-run: no command\n"); return 125; }
  if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS", NULL);
  for (int f = 0; f < nfiles; f++) install(files[f], use_prctl);
  execvp(argv[i], argv + i);
  die("exec", argv[i]);
  return 125;
}
