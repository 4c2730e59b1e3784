/*
 * test_kbgen: the knowledge-base compiler rejects bad data with
 * "FILE:LINE: error: ..." and writes nothing, and accepts good data.
 *
 * Runs the kbgen binary the build made: $(BUILD)/tools/kbgen, found relative
 * to this test binary ($(BUILD)/tests/kb/test_kbgen) or through $KBGEN.
 * Each case is a small .kb file written to a temporary directory.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* needs the four headers above first */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_kbgen[PATH_MAX];
static char g_dir[] = "/tmp/sw_kbgen_XXXXXX";

/* Six classes: the minimum a valid file needs. */
static const char classes[] = "class 1xx\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\nmeaning.ru: м\n"
                              "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n"
                              "class 2xx\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\nmeaning.ru: м\n"
                              "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n"
                              "class 3xx\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\nmeaning.ru: м\n"
                              "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n"
                              "class 4xx\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\nmeaning.ru: м\n"
                              "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n"
                              "class 5xx\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\nmeaning.ru: м\n"
                              "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n"
                              "class 6xx\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\nmeaning.ru: м\n"
                              "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n";
#define CLASS_LINES 54

/* A complete code entry starting at line CLASS_LINES + 1. */
static const char code403[] = "code 403\n"          /* +1 */
                              "phrase: Forbidden\n" /* +2 */
                              "rfc: RFC 3261\n"     /* +3 */
                              "brief.en: Refused\n" /* +4 */
                              "brief.ru: Отказ\n"   /* +5 */
                              "meaning.en: m\n"     /* +6 */
                              "meaning.ru: м\n"     /* +7 */
                              "cause.en: c\n"       /* +8 */
                              "cause.ru: п\n"       /* +9 */
                              "check.en: k\n"       /* +10 */
                              "check.ru: п\n";      /* +11 */

static const char vendor403[] = "vendor 403 Wrong Guess\n"
                                "brief.en: Wrong password\n"
                                "brief.ru: Неверный пароль\n"
                                "meaning.en: m\nmeaning.ru: м\n"
                                "cause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n";

static int setup(void **state)
{
    (void)state;
    const char *env = getenv("KBGEN");
    if (env && *env) {
        snprintf(g_kbgen, sizeof g_kbgen, "%s", env);
    } else {
        /* BUILD/tests/kb/test_kbgen -> BUILD/tools/kbgen */
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return -1;
        self[n] = '\0';
        for (int up = 0; up < 3; up++) {
            char *slash = strrchr(self, '/');
            if (!slash)
                return -1;
            *slash = '\0';
        }
        snprintf(g_kbgen, sizeof g_kbgen, "%.*s/tools/kbgen", (int)(sizeof g_kbgen - 20), self);
    }
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const names[] = {"in.kb", "out.c", "out.c.tmp", "err.txt"};
    char p[PATH_MAX];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", g_dir, names[i]);
        unlink(p);
    }
    rmdir(g_dir);
    return 0;
}

/* Runs kbgen on text; returns its exit status, stderr in err (NUL-ended). */
static int run(const char *text, char *err, size_t errcap)
{
    if (access(g_kbgen, X_OK) != 0) {
        print_message("kbgen not found at %s (set KBGEN)\n", g_kbgen);
        skip();
    }
    char in[PATH_MAX], out[PATH_MAX], ef[PATH_MAX];
    snprintf(in, sizeof in, "%s/in.kb", g_dir);
    snprintf(out, sizeof out, "%s/out.c", g_dir);
    snprintf(ef, sizeof ef, "%s/err.txt", g_dir);
    unlink(out);
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(ef, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            _exit(127);
        dup2(fd, 2);
        execl(g_kbgen, "kbgen", in, out, (char *)NULL);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    f = fopen(ef, "rb");
    assert_non_null(f);
    size_t n = fread(err, 1, errcap - 1, f);
    err[n] = '\0';
    fclose(f);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

static char *cat(const char *a, const char *b, const char *c)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s%s%s", a, b ? b : "", c ? c : "");
    return buf;
}

/* Expects failure with an error naming line and containing what. */
static void expect_error(const char *text, int line, const char *what)
{
    char err[4096];
    int rc = run(text, err, sizeof err);
    if (rc != 1)
        fail_msg("kbgen exit %d, expected 1; stderr: %s", rc, err);
    char loc[64];
    snprintf(loc, sizeof loc, "in.kb:%d: error: ", line);
    if (!strstr(err, loc) || !strstr(err, what))
        fail_msg("expected '%s...%s' in: %s", loc, what, err);
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/out.c", g_dir);
    assert_int_not_equal(access(out, F_OK), 0); /* nothing written */
    snprintf(out, sizeof out, "%s/out.c.tmp", g_dir);
    assert_int_not_equal(access(out, F_OK), 0);
}

static void test_good_file(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(run(cat(classes, code403, vendor403), err, sizeof err), 0);
    char out[PATH_MAX];
    snprintf(out, sizeof out, "%s/out.c", g_dir);
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    assert_true(sb.st_size > 0);
}

static void test_missing_russian(void **state)
{
    (void)state;
    char text[8192];
    snprintf(text, sizeof text, "%s", cat(classes, vendor403, NULL));
    /* drop "brief.ru: ..." of the vendor entry */
    char *p = strstr(text, "brief.ru: Неверный пароль\n");
    assert_non_null(p);
    size_t cut = strlen("brief.ru: Неверный пароль\n");
    memmove(p, p + cut, strlen(p + cut) + 1);
    expect_error(text, CLASS_LINES + 1, "missing brief.ru");
}

static void test_duplicates(void **state)
{
    (void)state;
    /* same vendor phrase twice, differing only in case and spacing */
    expect_error(cat(classes, vendor403,
                     "vendor 403 wrong   GUESS\nbrief.en: x\nbrief.ru: х\n"
                     "meaning.en: m\nmeaning.ru: м\ncause.en: c\ncause.ru: п\n"
                     "check.en: k\ncheck.ru: п\n"),
                 CLASS_LINES + 10, "duplicate entry");
    expect_error(cat(classes, code403, code403), CLASS_LINES + 12, "duplicate entry");
    expect_error(cat(classes, code403, "brief.en: again\n"), CLASS_LINES + 12, "duplicate key");
    expect_error(cat(classes,
                     "code 481\nphrase: x\nrfc: RFC 3261\nbrief.en: b\nbrief.ru: б\n"
                     "meaning.en: m\nmeaning.ru: м\ncause.en: c\ncause.ru: п\n"
                     "check.en: k\ncheck.ru: п\nnote@BYE.en: a\nnote@BYE.ru: а\n",
                     "note@BYE.en: b\n"),
                 CLASS_LINES + 14, "duplicate key");
}

static void test_bad_codes(void **state)
{
    (void)state;
    expect_error(cat(classes, "code 999\n", NULL), CLASS_LINES + 1, "bad response code");
    expect_error(cat(classes, "code 48\n", NULL), CLASS_LINES + 1, "bad response code");
    expect_error(cat(classes, "code 099\n", NULL), CLASS_LINES + 1, "bad response code");
    expect_error(cat(classes, "vendor 7 Foo\n", NULL), CLASS_LINES + 1, "expected a code");
    expect_error(cat(classes, "class 7xx\n", NULL), CLASS_LINES + 1, "class must be");
    expect_error(cat(classes, "codes 403\n", NULL), CLASS_LINES + 1, "expected 'key: value'");
    expect_error("brief.en: before any entry\n", 1, "field outside an entry");
}

static void test_bad_fields(void **state)
{
    (void)state;
    expect_error(cat(classes, code403, "colour.en: red\n"), CLASS_LINES + 12, "unknown key");
    expect_error(cat(classes, code403, "brief.de: x\n"), CLASS_LINES + 12, "unknown key");
    expect_error(cat(classes, code403, "cause.en: extra\n"), CLASS_LINES + 1, "same length");
    expect_error(cat(classes, code403, "brief@bye.en: x\n"), CLASS_LINES + 12, "upper-case");
    expect_error(cat(classes, code403, "note@BYE.en: only english\n"), CLASS_LINES + 12,
                 "missing note@BYE.ru");
    expect_error(cat(classes, code403, "phrase2: x\n"), CLASS_LINES + 12, "unknown key");
    expect_error(cat(classes, code403, "meaning.en:\n"), CLASS_LINES + 12, "expected 'key: value'");
    expect_error(cat(classes,
                     "code 403\nrfc: RFC 3261\nbrief.en: b\nbrief.ru: б\nmeaning.en: m\n"
                     "meaning.ru: м\ncause.en: c\ncause.ru: п\ncheck.en: k\ncheck.ru: п\n",
                     NULL),
                 CLASS_LINES + 1, "missing phrase");
}

static void test_bad_text(void **state)
{
    (void)state;
    expect_error(
        cat(classes, code403,
            "note@BYE.en: 1234567890123456789012345678901234567890123456789012345678901\n"
            "note@BYE.ru: н\nbrief@BYE.en: "
            "1234567890123456789012345678901234567890123456789012345678901\nbrief@BYE.ru: б\n"),
        CLASS_LINES + 1, "longer than 60");
    expect_error(cat(classes, code403, "note@BYE.en: bad \xC3\x28 utf8\n"), CLASS_LINES + 12,
                 "invalid UTF-8");
    expect_error(cat(classes, code403, "note@BYE.en: tab\there\n"), CLASS_LINES + 12,
                 "control character");
    expect_error(cat(classes, code403, "note@BYE.en: bad \\t escape\n"), CLASS_LINES + 12,
                 "unknown escape");
    expect_error(cat(classes, "\n  continued from nowhere\n", NULL), CLASS_LINES + 2,
                 "continuation line");
    expect_error(cat(classes, code403, "note@BYE.en: x\r\nnote@BYE.ru: у\n"), CLASS_LINES + 12,
                 "CR in line");
}

static void test_bad_links(void **state)
{
    (void)state;
    expect_error(cat(classes, code403,
                     "vendor 403 forbidden\nbrief.en: b\nbrief.ru: б\n"
                     "meaning.en: m\nmeaning.ru: м\ncause.en: c\ncause.ru: п\n"
                     "check.en: k\ncheck.ru: п\n"),
                 CLASS_LINES + 12, "standard phrase");
    expect_error(cat(classes, "variant 481 Call Leg\nnote.en: n\nnote.ru: н\n", NULL),
                 CLASS_LINES + 1, "no code entry");
    expect_error(
        cat(classes, code403, "variant 403 Forbiden\nnote.en: n\nnote.ru: н\nbrief.en: x\n"),
        CLASS_LINES + 15, "variant entries take only");
    /* a file without class 6xx */
    char text[8192];
    snprintf(text, sizeof text, "%s", classes);
    *strstr(text, "class 6xx") = '\0';
    expect_error(text, 1, "missing class 6xx");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),  cmocka_unit_test(test_missing_russian),
        cmocka_unit_test(test_duplicates), cmocka_unit_test(test_bad_codes),
        cmocka_unit_test(test_bad_fields), cmocka_unit_test(test_bad_text),
        cmocka_unit_test(test_bad_links),
    };
    return cmocka_run_group_tests_name("kbgen", tests, setup, teardown);
}
