# The Python half of probe.sh: raw clone3 through ctypes, then the two glibc paths that use
# clone3 since 2.34 (pthread_create and posix_spawn). Each prints one C3W:CHECK line.
import ctypes
import errno
import os
import threading

NR_CLONE3 = 435  # the same number on x86_64, aarch64, ppc64le and s390x


def check(name, result, detail=""):
    print(f"C3W:CHECK {name} {result} {detail}", flush=True)


libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
# clone3(NULL, 0) can never create a child: unfiltered it is EINVAL, so any other errno is a filter's.
ret = libc.syscall(ctypes.c_long(NR_CLONE3), None, ctypes.c_long(0))
err = ctypes.get_errno()
check("clone3", errno.errorcode.get(err, str(err)) if ret == -1 else f"ret={ret}")

try:
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()
    check("threads", "ok")
except RuntimeError as e:
    check("threads", "fail", str(e))

try:
    pid = os.posix_spawn("/bin/sh", ["sh", "-c", "exit 7"], os.environ)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    check("posix_spawn", "ok" if code == 7 else "fail", f"exit={code}")
except OSError as e:
    check("posix_spawn", "fail", f"{errno.errorcode.get(e.errno, e.errno)} {e.strerror}")
