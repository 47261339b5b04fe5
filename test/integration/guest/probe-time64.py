# The time64 probes' Python half, for a 32-bit ABI (arm EABI; the numbers are the same on i386):
# Python's own clock and sleep, then raw calls that never go through the vDSO, each printing one
# C3W:CHECK line. glibc >= 2.34 reads the clock through the vDSO when the kernel's clocksource
# allows it, and makes a real clock_gettime64 call only when it does not (kernels before the arm
# vDSO had clock_gettime64, clocksources user space cannot read such as a Pi 1's): the raw call is
# what those machines' clock readings do.
import ctypes
import errno
import time

NR_CLOCK_GETTIME64 = 403
NR_CLOCK_NANOSLEEP_TIME64 = 407
CLOCK_REALTIME, CLOCK_MONOTONIC = 0, 1


def check(name, result, detail=""):
    print(f"C3W:CHECK {name} {result} {detail}", flush=True)


def errname(err):
    return errno.errorcode.get(err, str(err))


# A 32-bit pointer size: the calls below are the 32-bit ABI's.
check("bits", 8 * ctypes.sizeof(ctypes.c_void_p))

try:
    now = time.time()
    check("py_time", "ok" if now > 1.7e9 else "fail", f"{now:.0f}")
except OSError as e:
    check("py_time", "fail", f"{errname(e.errno)} {e.strerror}")

try:
    t0 = time.monotonic()
    time.sleep(0.2)
    check("py_sleep", "ok", f"{time.monotonic() - t0:.2f}s")
except OSError as e:
    check("py_sleep", "fail", f"{errname(e.errno)} {e.strerror}")

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class Timespec64(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_int64)]


def raw(name, nr, *args):
    ret = libc.syscall(ctypes.c_long(nr), *args)
    check(name, "ok" if ret == 0 else errname(ctypes.get_errno()) if ret == -1 else f"ret={ret}")


ts = Timespec64()
raw("clock_gettime64", NR_CLOCK_GETTIME64, ctypes.c_long(CLOCK_REALTIME), ctypes.byref(ts))
nap = Timespec64(0, 1000)
raw("clock_nanosleep_time64", NR_CLOCK_NANOSLEEP_TIME64, ctypes.c_long(CLOCK_MONOTONIC), ctypes.c_long(0), ctypes.byref(nap), None)
