// sealed-exec: runs /usr/sbin/runc.debian from a fully sealed memfd copy of it, with our argv.
// For the docker guest's runc 1.0.0~rc93, installed as /usr/sbin/runc: before entering a container
// runc re-executes a sealed copy of itself with fexecve, i.e. execveat(fd, "", AT_EMPTY_PATH), which
// answers ENOENT on the guest's bullseye kernel (5.10.0-32; measured with a static test program:
// every fd kind fails, while execve of /proc/self/fd/N works). When /proc/self/exe already is a
// sealed memfd, runc's cloned_binary.c skips that copy, so runc is started that way here.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#define REAL "/usr/sbin/runc.debian"

int main(int argc, char **argv) {
  (void)argc;
  int in = open(REAL, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (in < 0 || fstat(in, &st) != 0) return perror(REAL), 127;
  int fd = memfd_create("runc_cloned:/proc/self/exe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return perror("sealed-exec: memfd_create"), 126;
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(fd, in, NULL, st.st_size - done);
    if (n <= 0) return perror("sealed-exec: sendfile"), 126;
    done += n;
  }
  // runc's RUNC_MEMFD_SEALS.
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) return perror("sealed-exec: F_ADD_SEALS"), 126;
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  // MFD_CLOEXEC would close it during this very execve; the path must stay valid until the kernel opened it.
  fcntl(fd, F_SETFD, 0);
  execv(self, argv);
  return perror("sealed-exec: execv"), 126;
}
