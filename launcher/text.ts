// --help and --version text.
import { version } from "../package.json";

export const VERSION: string = version;

export const HELP = `Usage:
  clone3-workaround [--mode auto|always|never] [--hide LIST|auto | --policy FILE] [--] COMMAND [ARGS...]
  clone3-workaround --compile [--arch ARCH] [--hide LIST | --policy FILE] [--format disasm|raw|hex|json|oci] [-o FILE]
  clone3-workaround --simulate --arch ARCH [--abi ABI] [--hide LIST | --policy FILE] SYSCALL|NR [ARGS...]
  clone3-workaround --emit-stub --arch ARCH [--hide LIST|auto] [--init] [-o FILE]
  clone3-workaround --doctor [--mode M] [--hide LIST|auto | --policy FILE]
  clone3-workaround --fix-profile FILE [--hide LIST] [-o FILE]
  clone3-workaround --check-profile FILE
  clone3-workaround --version | --help

Runs COMMAND with clone3 (and the syscalls in --hide) answering ENOSYS, so that glibc falls back
to clone(2) under container engines whose seccomp profile answers them with EPERM.

Modes (--mode, else $CLONE3_WORKAROUND_MODE, else auto):
  auto    probe clone3(NULL, 0) and the hidden syscalls; install a filter only if one answers EPERM
  always  always install the filter
  never   just exec COMMAND
--hide auto hides every known sibling syscall that probes EPERM; a list names them.
The filter covers every ABI of the kernel arch (i386 and x32 on x86_64, arm on aarch64).
It is installed without NO_NEW_PRIVS first, so setuid programs keep working where the container
has CAP_SYS_ADMIN; only when the kernel refuses (EACCES) is NO_NEW_PRIVS set and the install retried.

Architectures (--arch): x86_64, aarch64, ppc64le, s390x, and arm for --compile, --simulate and
--emit-stub (32-bit ARM runs the stub: Bun has no 32-bit build).
Exit status: COMMAND's own; 125 if the wrapper fails, 126 if COMMAND cannot be run, 127 if not found.
--doctor exits 0 when no workaround is needed here, 1 when it is.

The engine-side fix, no wrapper: --fix-profile writes an engine's profile (moby's, an OCI
linux.seccomp object or a config.json) with clone3 and the --hide names answering ENOSYS where it
answered EPERM, everything else as it was; exit 0 when it fixed something, 1 when there was nothing
to fix. --check-profile lists, per arch and with Docker's default capabilities, the known sibling
syscalls the profile answers with EPERM; exit 0 when none, 1 when some.
`;
