# Installs one more seccomp filter, then execs a command: a stand-in wrapper for the self-test
# (clone3 -> EPERM is exactly the broken engine's answer) and an outer filter for stacking
# scenarios. ctypes + prctl, so the same file works on every guest arch without a compiler.
#
#   python3 seccomp-filter.py NR=ACTION... -- CMD ARGS     ACTION: allow | kill | trap | errno:N
#
# Only the native ABI is filtered; other ABIs (i386 on x86_64) are allowed.
import ctypes
import os
import platform
import struct
import sys

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7, "ppc64le": 0xC0000015, "s390x": 0x80000016, "armv7l": 0x40000028}
ACTIONS = {"allow": 0x7FFF0000, "kill": 0x80000000, "trap": 0x00030000}
RET_ERRNO = 0x00050000
LD_ABS_W, JEQ_K, RET_K = 0x20, 0x15, 0x06
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def usage(problem):
    sys.exit(f"seccomp-filter: {problem}; usage: seccomp-filter.py NR=ACTION... -- CMD ARGS")


def action(text):
    if text.startswith("errno:"):
        return RET_ERRNO | int(text[6:])
    if text not in ACTIONS:
        usage(f"unknown action {text}")
    return ACTIONS[text]


def program(rules):
    """seccomp_data: nr at offset 0, arch at 4; loads are native-endian 32-bit words."""
    insns = [(LD_ABS_W, 0, 0, 4), (JEQ_K, 0, 1 + 2 * len(rules), AUDIT_ARCH[platform.machine()]), (LD_ABS_W, 0, 0, 0)]
    for nr, act in rules:
        insns += [(JEQ_K, 0, 1, nr), (RET_K, 0, 0, act)]
    insns.append((RET_K, 0, 0, ACTIONS["allow"]))
    return insns


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def main(argv):
    if "--" not in argv:
        usage("no -- before the command")
    split = argv.index("--")
    rules = []
    for spec in argv[:split]:
        nr, _, act = spec.partition("=")
        rules.append((int(nr), action(act)))
    command = argv[split + 1:]
    if not rules or not command:
        usage("need at least one rule and a command")
    insns = program(rules)
    code = ctypes.create_string_buffer(b"".join(struct.pack("=HBBI", *i) for i in insns))
    prog = SockFprog(len(insns), ctypes.cast(code, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    # Without CAP_SYS_ADMIN (Docker's default set) a filter needs no_new_privs first.
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        sys.exit(f"seccomp-filter: {os.strerror(ctypes.get_errno())}")
    os.execvp(command[0], command)


main(sys.argv[1:])
