/*
 * split tests (live --split-dir): when a call's file is written (the grace
 * time after it is over, or at the stop), its name, and that it holds the
 * call's messages and nothing else. RTP in the files is covered end to end
 * by tests/e2e/live_split.sh.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "correlate/correlate.h"
#include "trace/trace.h"

#include "common/pcapw.h"

#include "common/scenario.h"

/* Names of the .pcap files in dir, sorted, joined by spaces. */
static char *list_dir(const char *dir)
{
    static char out[4096];
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    assert_true(n >= 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            if (out[0])
                strcat(out, " ");
            strcat(out, ents[i]->d_name);
        }
        free(ents[i]);
    }
    free(ents);
    return out;
}

static void rm_dir(const char *dir)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (ents[i]->d_name[0] != '.') {
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, ents[i]->d_name);
            unlink(p);
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
    rmdir(dir);
}

/* Messages of a file as "METHOD|CODE Call-ID" lines; the file is removed. */
static void file_msgs(const char *path, char *out, size_t cap)
{
    model md = scen_read(strdup(path), NULL);
    out[0] = '\0';
    size_t len = 0;
    for (uint64_t i = 1; i <= sw_trace_count(md.t); i++) {
        sw_sip_msg s;
        sw_sip_header hdrs[64];
        const sw_msg *msg = sw_trace_get(md.t, i);
        assert_true(sw_trace_parse(md.t, msg, &s, hdrs, 64) > 0);
        char what[32];
        if (s.is_request)
            snprintf(what, sizeof what, "%.*s", (int)s.method.len, s.method.p);
        else
            snprintf(what, sizeof what, "%d", s.status);
        len += (size_t)snprintf(out + len, cap - len, "%s%s %.*s", len ? "; " : "", what,
                                (int)s.call_id.len, s.call_id.p);
    }
    drop(&md); /* the file is read: it goes too */
}

static void test_split_files(void **state)
{
    (void)state;
    /* call c1 completes (BYE at 5 ms), call "c2 /x" is still ringing */
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
        {1, "SIP/2.0 200 OK", BR("1"), "fa", "tb", "c1", 1, "INVITE", NULL},
        {0, "ACK sip:b@y SIP/2.0", BR("2"), "fa", "tb", "c1", 1, "ACK", NULL},
        {0, "INVITE sip:b@y SIP/2.0", BR("9"), "fx", NULL, "c2 /x", 1, "INVITE", NULL},
        {1, "SIP/2.0 180 Ringing", BR("9"), "fx", "ty", "c2 /x", 1, "INVITE", NULL},
        {0, "BYE sip:b@y SIP/2.0", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
        {1, "SIP/2.0 200 OK", BR("3"), "fa", "tb", "c1", 2, "BYE", NULL},
    };
    model md = build(s, N(s), 1);
    assert_int_equal(sw_corr_ncalls(md.c), 2);
    char dir[] = "/tmp/sw_split_XXXXXX";
    assert_non_null(mkdtemp(dir));
    sw_split *sp = sw_split_new(dir, md.t, md.c, NULL);
    assert_non_null(sp);
    int64_t bye = sw_trace_get(md.t, 6)->ts_ns;
    sw_split_over(sp, 0, bye);
    sw_split_over(sp, 0, bye); /* said twice: one file */
    sw_split_tick(sp, bye + SW_SPLIT_GRACE_NS - 1);
    assert_string_equal(list_dir(dir), ""); /* not yet: the grace time */
    sw_split_tick(sp, bye + SW_SPLIT_GRACE_NS);
    char *one = strdup(list_dir(dir));
    /* 1000 s after the epoch, local time: the name's date part */
    char want[64];
    time_t t0 = 1000;
    struct tm tm;
    localtime_r(&t0, &tm);
    strftime(want, sizeof want, "%Y%m%d-%H%M%S-call1-c1.pcap", &tm);
    assert_string_equal(one, want);
    sw_split_finish(sp); /* the ringing call, at the stop */
    const sw_split_stats *st = sw_split_get_stats(sp);
    assert_int_equal(st->files, 2);
    assert_int_equal(st->written_at_stop, 1);
    assert_int_equal(st->sip_written, 7);
    assert_int_equal(st->failed, 0);
    char both[4096];
    snprintf(both, sizeof both, "%s", list_dir(dir));
    strftime(want, sizeof want, "%Y%m%d-%H%M%S-call2-c2__x.pcap", &tm);
    assert_non_null(strstr(both, want)); /* the space and the slash became _ */
    char path[512], msgs[1024];
    snprintf(path, sizeof path, "%s/%s", dir, one);
    file_msgs(path, msgs, sizeof msgs);
    assert_string_equal(msgs, "INVITE c1; 200 c1; ACK c1; BYE c1; 200 c1");
    snprintf(path, sizeof path, "%s/%s", dir, want);
    file_msgs(path, msgs, sizeof msgs);
    assert_string_equal(msgs, "INVITE c2 /x; 180 c2 /x");
    sw_split_free(sp);
    free(one);
    rm_dir(dir);
    drop(&md);
}

static void test_split_unwritable(void **state)
{
    (void)state;
    const m s[] = {
        {0, "INVITE sip:b@y SIP/2.0", BR("1"), "fa", NULL, "c1", 1, "INVITE", NULL},
    };
    model md = build(s, N(s), 1);
    sw_split *sp = sw_split_new("/nonexistent-dir-sipwhy", md.t, md.c, NULL);
    assert_non_null(sp);
    sw_split_finish(sp);
    assert_int_equal(sw_split_get_stats(sp)->files, 0);
    assert_int_equal(sw_split_get_stats(sp)->failed, 1); /* reported, not silent */
    sw_split_free(sp);
    drop(&md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_files),
        cmocka_unit_test(test_split_unwritable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
