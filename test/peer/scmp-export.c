/* The libseccomp peer: build a filter with Debian's libseccomp and export its BPF.
 *   scmp-export [-t RUNS] POLICY OUT.bpf
 * POLICY is line-based text, one directive per line ('#' starts a comment):
 *   default ACTION          badarch ACTION          optimize 1|2
 *   arch NAME               (libseccomp spelling: x86_64 x86 x32 aarch64 arm ppc64le s390x s390)
 *   rule ACTION SYSCALL [ARG OP VALUE [VALUE2]]...    (conditions are ANDed)
 * ACTION is the raw seccomp return value (e.g. 0x00050026 = ERRNO(38)); OP is one of
 * EQ NE LT LE GT GE MASKED_EQ (VALUE = mask, VALUE2 = datum, as in OCI/libseccomp).
 * SYSCALL is resolved by libseccomp for the native arch, as runc does; rule_add translates it
 * to every arch in the filter. Names libseccomp does not know print "skipped NAME".
 * OUT.bpf is seccomp_export_bpf's output: raw sock_filter in the TARGET arch's byte order.
 * With -t, the whole build (seccomp_init .. seccomp_export_bpf) is repeated RUNS times into
 * /dev/null and "median_ns N" is printed: the time a runtime spends compiling this policy.
 * Failures print one line and exit 125. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARCHES 8
#define MAX_RULES 4096
#define MAX_CONDS 6

struct rule {
  uint32_t action;
  char name[64];
  unsigned ncond;
  struct scmp_arg_cmp cond[MAX_CONDS];
};

static struct {
  uint32_t def_action, badarch;
  int has_badarch, optimize;
  unsigned narch;
  uint32_t arch[MAX_ARCHES];
  unsigned nrule;
  struct rule rule[MAX_RULES];
} pol;

static void fail(int line, const char *msg, const char *arg) {
  if (line) fprintf(stderr, "scmp-export: line %d: %s %s\n", line, msg, arg ? arg : "");
  else fprintf(stderr, "scmp-export: %s %s\n", msg, arg ? arg : "");
  exit(125);
}

static uint64_t number(int line, const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end || !*s) fail(line, "bad number", s);
  return v;
}

static enum scmp_compare cmp_op(int line, const char *s) {
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
    {"EQ", SCMP_CMP_EQ}, {"NE", SCMP_CMP_NE}, {"LT", SCMP_CMP_LT}, {"LE", SCMP_CMP_LE},
    {"GT", SCMP_CMP_GT}, {"GE", SCMP_CMP_GE}, {"MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (!strcmp(s, ops[i].name)) return ops[i].op;
  fail(line, "bad comparison", s);
  return 0;
}

static void parse(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) fail(0, "cannot open", path);
  char buf[1024];
  int line = 0;
  pol.def_action = SCMP_ACT_ALLOW;
  pol.optimize = 1;
  while (fgets(buf, sizeof buf, f)) {
    line++;
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *tok[4 + 4 * MAX_CONDS];
    int n = 0;
    for (char *t = strtok(buf, " \t\r\n"); t; t = strtok(NULL, " \t\r\n")) {
      if (n == (int)(sizeof tok / sizeof tok[0])) fail(line, "too many words", NULL);
      tok[n++] = t;
    }
    if (n == 0) continue;
    if (!strcmp(tok[0], "default") && n == 2) pol.def_action = (uint32_t)number(line, tok[1]);
    else if (!strcmp(tok[0], "badarch") && n == 2) pol.badarch = (uint32_t)number(line, tok[1]), pol.has_badarch = 1;
    else if (!strcmp(tok[0], "optimize") && n == 2) pol.optimize = (int)number(line, tok[1]);
    else if (!strcmp(tok[0], "arch") && n == 2) {
      uint32_t a = seccomp_arch_resolve_name(tok[1]);
      if (!a) fail(line, "unknown arch", tok[1]);
      if (pol.narch == MAX_ARCHES) fail(line, "too many arches", NULL);
      pol.arch[pol.narch++] = a;
    } else if (!strcmp(tok[0], "rule") && n >= 3) {
      if (pol.nrule == MAX_RULES) fail(line, "too many rules", NULL);
      struct rule *r = &pol.rule[pol.nrule++];
      r->action = (uint32_t)number(line, tok[1]);
      if (strlen(tok[2]) >= sizeof r->name) fail(line, "name too long", tok[2]);
      strcpy(r->name, tok[2]);
      for (int i = 3; i < n;) {
        if (r->ncond == MAX_CONDS || i + 3 > n) fail(line, "bad condition", NULL);
        struct scmp_arg_cmp *c = &r->cond[r->ncond++];
        c->arg = (unsigned)number(line, tok[i]);
        c->op = cmp_op(line, tok[i + 1]);
        c->datum_a = number(line, tok[i + 2]);
        c->datum_b = 0;
        i += 3;
        if (c->op == SCMP_CMP_MASKED_EQ) {
          if (i >= n) fail(line, "MASKED_EQ needs VALUE2", NULL);
          c->datum_b = number(line, tok[i++]);
        }
      }
    } else fail(line, "bad directive", tok[0]);
  }
  fclose(f);
  if (pol.narch == 0) fail(0, "no arch in", path);
}

static void check(int rc, const char *what, const char *arg) {
  if (rc < 0) {
    errno = -rc;
    fprintf(stderr, "scmp-export: %s %s: %s\n", what, arg ? arg : "", strerror(-rc));
    exit(125);
  }
}

/* One full build and export, as a runtime would do it. `report` prints the skipped names. */
static void build(int fd, int report) {
  scmp_filter_ctx ctx = seccomp_init(pol.def_action);
  if (!ctx) fail(0, "seccomp_init failed", NULL);
  if (pol.has_badarch) check(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, pol.badarch), "badarch", NULL);
  check(seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, pol.optimize), "optimize", NULL);
  /* Drop the native arch first unless listed: libseccomp refuses to mix byte orders. */
  int native_listed = 0;
  for (unsigned i = 0; i < pol.narch; i++) native_listed |= pol.arch[i] == seccomp_arch_native();
  if (!native_listed) check(seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE), "arch_remove", "native");
  for (unsigned i = 0; i < pol.narch; i++) {
    int rc = seccomp_arch_add(ctx, pol.arch[i]);
    if (rc != -EEXIST) check(rc, "arch_add", NULL);
  }
  for (unsigned i = 0; i < pol.nrule; i++) {
    struct rule *r = &pol.rule[i];
    int nr = seccomp_syscall_resolve_name(r->name);
    if (nr == __NR_SCMP_ERROR) {
      if (report) printf("skipped %s\n", r->name);
      continue;
    }
    check(seccomp_rule_add_array(ctx, r->action, nr, r->ncond, r->cond), "rule_add", r->name);
  }
  check(seccomp_export_bpf(ctx, fd), "export", NULL);
  seccomp_release(ctx);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  long runs = 0;
  int i = 1;
  if (argc > 2 && !strcmp(argv[1], "-t")) runs = (long)number(0, argv[2]), i = 3;
  if (argc - i != 2) fail(0, "usage: scmp-export [-t RUNS] POLICY OUT.bpf", NULL);
  parse(argv[i]);
  int out = open(argv[i + 1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) fail(0, "cannot create", argv[i + 1]);
  build(out, 1);
  close(out);
  if (runs > 0) {
    int null = open("/dev/null", O_WRONLY);
    uint64_t *ns = malloc(sizeof *ns * (size_t)runs);
    if (null < 0 || !ns) fail(0, "setup for timing failed", NULL);
    for (long r = 0; r < runs; r++) {
      struct timespec a, b;
      clock_gettime(CLOCK_MONOTONIC, &a);
      build(null, 0);
      clock_gettime(CLOCK_MONOTONIC, &b);
      ns[r] = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u + (uint64_t)(b.tv_nsec - a.tv_nsec);
    }
    qsort(ns, (size_t)runs, sizeof *ns, cmp_u64);
    printf("median_ns %llu\n", (unsigned long long)ns[runs / 2]);
  }
  return 0;
}
