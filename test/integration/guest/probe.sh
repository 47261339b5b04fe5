#!/bin/sh
# Runs inside the container with the image's own /bin/sh. Each check prints one line
# "C3W:CHECK name result detail" for the host to compare with the scenario's expectations;
# a tool the image lacks gives "skip". Arguments pick probe groups (default: the first four):
#   status python xz apt i386 time64_i386 ia32 arm time64 time64_arm stacking bun
H=/.harness
bb=$H/busybox
check() { echo "C3W:CHECK $1 $2 $3"; }
groups=" ${*:-status python xz apt} "
want() { case $groups in *" $1 "*) return 0 ;; esac; return 1; }
errname() { case $1 in 0) echo none ;; 1) echo EPERM ;; 14) echo EFAULT ;; 22) echo EINVAL ;; 38) echo ENOSYS ;; *) echo "errno$1" ;; esac; }

# Which image this is, for the report (a --rootfs run should name the user's distribution).
PRETTY_NAME=unknown
[ -r /etc/os-release ] && . /etc/os-release
echo "C3W:INFO os $PRETTY_NAME"

if want status; then
  while read -r key value rest; do
    case $key in
      Seccomp_filters:) check filters "$value" ;;
      NoNewPrivs:) check nnp "$value" ;;
    esac
  done < /proc/self/status
fi

if ! want python; then :
elif command -v python3 > /dev/null 2>&1; then
  python3 $H/probe.py
else
  for c in clone3 threads posix_spawn; do check $c skip no-python3; done
fi

# A compat-ABI process on x86_64: raw clone3 from a static i386 binary (the filter sees
# AUDIT_ARCH_I386). The payload has the binary on x86_64 only.
if want i386; then
  if [ -x $H/probe-i386 ]; then
    set -- $($H/probe-i386 435)
    check clone3_i386 "$(errname "$3")" "ret=$2"
  else
    check clone3_i386 skip no-probe-i386
  fi
fi

# The time64 family from an i386 process: clock_gettime64(CLOCK_REALTIME, NULL) is EFAULT when
# allowed (the vDSO is not involved: a raw call), EPERM when refused, ENOSYS when hidden.
if want time64_i386; then
  if [ -x $H/probe-i386 ]; then
    set -- $($H/probe-i386 403,0,0)
    check clock_gettime64_i386 "$(errname "$3")" "ret=$2"
  else
    check clock_gettime64_i386 skip no-probe-i386
  fi
fi

# Whether this kernel runs i386 programs at all (off: CONFIG_IA32_EMULATION=n or ia32_emulation=0,
# where exec of the static i386 binary fails). getpid (20) is harmless.
if want ia32; then
  if [ ! -x $H/probe-i386 ]; then check ia32 skip no-probe-i386
  elif $H/probe-i386 20 > /dev/null 2>&1; then check ia32 on
  else check ia32 off
  fi
fi

# A compat-ABI process on aarch64: probe.py run by Debian's armhf python3, chrooted into the
# armhf userland at $H/armhf (image/base.ts compatImage; on aarch64 only). Its checks get an _arm suffix:
# clone3_arm, threads_arm, posix_spawn_arm. The script comes on stdin, opened outside the chroot.
if want arm; then
  if [ -x $H/armhf/usr/bin/python3 ]; then
    # A 32-bit pointer size proves the probe really ran as a compat-ABI process.
    check bits_arm "$($bb chroot $H/armhf /usr/bin/python3 -c 'import ctypes; print(8 * ctypes.sizeof(ctypes.c_void_p))')"
    $bb chroot $H/armhf /usr/bin/python3 - < $H/probe.py 2>&1 | while read -r marker name rest; do
      case $marker in C3W:CHECK) echo "$marker ${name}_arm $rest" ;; *) echo "$marker $name $rest" ;; esac
    done
  else
    for c in bits clone3 threads posix_spawn; do check ${c}_arm skip no-armhf-userland; done
  fi
fi

# The time64 family, under an engine whose libseccomp dropped the *_time64 names: the real glibc
# coreutils sleep and date (busybox's never reach a *_time64 call) and probe-time64.py. $1 is the
# checks' suffix, the rest a prefix that runs a program in the 32-bit userland (empty: natively).
time64() {
  sfx=$1
  shift
  err=$("$@" /usr/bin/sleep 1 2>&1)
  rc=$?
  if [ $rc = 0 ]; then check sleep$sfx ok; else check sleep$sfx fail "rc=$rc $err"; fi
  out=$("$@" /usr/bin/date +%s 2>&1)
  rc=$?
  # A failed clock read leaves date printing garbage (a day in 1900) with exit 0.
  if [ $rc = 0 ] && [ "$out" -gt 1700000000 ] 2> /dev/null; then check date$sfx ok "$out"; else check date$sfx fail "rc=$rc $out"; fi
  "$@" /usr/bin/python3 - < $H/probe-time64.py 2>&1 | while read -r marker name rest; do
    case $marker in C3W:CHECK) echo "$marker $name$sfx $rest" ;; *) echo "$marker $name $rest" ;; esac
  done
}
if want time64; then
  if [ -x /usr/bin/sleep ] && [ -x /usr/bin/python3 ]; then time64 ""; else check sleep skip no-coreutils; fi
fi
if want time64_arm; then
  if [ -x $H/armhf/usr/bin/sleep ]; then time64 _arm $bb chroot $H/armhf; else check sleep_arm skip no-armhf-coreutils; fi
fi

# Bun itself, without the launcher's bootstrap: the launcher binary run as the plain bun CLI
# (BUN_BE_BUN=1 skips its entry point). Compiling any WebAssembly module starts Bun's wasm
# helper thread (the launcher's core is wasm), so under a clone3 EPERM engine Bun aborts unless
# a filter is already in place: the hazard the bootstrap exists for. The module is the empty one.
if want bun; then
  if [ -x $H/launcher/clone3-workaround ]; then
    out=$(BUN_BE_BUN=1 $H/launcher/clone3-workaround -e 'new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); console.log("bun-ran")' 2>&1)
    rc=$?
    if [ $rc = 0 ] && [ "$out" = bun-ran ]; then check bun ok; else check bun fail "rc=$rc $(echo "$out" | $bb grep -m 1 -i 'panic\|abort')"; fi
  else
    check bun skip no-launcher
  fi
fi

# Stacking: what happens to a child that makes a raw clone3. An outer TRAP or KILL filter must
# still win over a newer ERRNO filter: the child dies of SIGSYS (31 on all four arches).
if ! want stacking; then :
elif command -v python3 > /dev/null 2>&1; then
  python3 -c 'import ctypes; ctypes.CDLL(None).syscall(435, None, 0)' 2> /dev/null
  rc=$?
  case $rc in 0) check clone3_child returned ;; 159) check clone3_child SIGSYS ;; *) check clone3_child "rc=$rc" ;; esac
else
  check clone3_child skip no-python3
fi

# xz's multithreaded encoder only starts threads when the input spans several blocks.
if ! want xz; then :
elif command -v xz > /dev/null 2>&1; then
  err=$($bb head -c 4194304 /dev/zero | xz -T2 --block-size=1MiB -0 -c 2>&1 > /dev/null)
  rc=$?
  if [ $rc = 0 ]; then check xz ok "$err"; else check xz fail "rc=$rc $(echo "$err" | $bb head -n 1)"; fi
else
  check xz skip no-xz
fi

# The seed's symptom: apt-get update against a local file: repository, with a Post-Invoke hook
# like the docker-clean one in ubuntu images.
if ! want apt; then :
elif command -v apt-get > /dev/null 2>&1; then
  a=/tmp/c3w-apt
  $bb mkdir -p $a/repo $a/lists/partial $a/cache/archives/partial $a/parts
  : > $a/repo/Packages
  : > $a/status
  echo "deb [trusted=yes allow-insecure=yes] file:$a/repo ./" > $a/sources.list
  err=$(apt-get update -q -o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=$a/parts \
    -o Dir::State::Lists=$a/lists -o Dir::State::status=$a/status -o Dir::Cache=$a/cache \
    -o APT::Sandbox::User=root -o "APT::Update::Post-Invoke::=rm -f $a/cache/*.bin || true" 2>&1)
  rc=$?
  if [ $rc = 0 ]; then check apt ok; else check apt fail "rc=$rc $(echo "$err" | $bb grep '^E:' | $bb head -n 1)"; fi
else
  check apt skip no-apt-get
fi
