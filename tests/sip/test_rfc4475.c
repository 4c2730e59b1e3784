/*
 * The RFC 4475 torture tests against the verdicts in the corpus README, key
 * fields of each message, and the guard-page sweep: every truncated prefix of
 * every corpus message and of a few realistic messages goes through
 * sw_sip_parse, sw_sip_frame, sw_sip_looks_like and every helper with its
 * last byte right before a PROT_NONE page, so any over-read crashes.
 *
 * The corpus is found through $SW_SHARED (default ../shared from the repo
 * root, where tests run); a missing corpus fails every test loudly.
 */
#include "sip_testutil.h"

#define MAX_FILES 128

enum verdict { V_UNKNOWN, V_VALID, V_SEMANTICS, V_FLAG, V_INVALID };

/* What the fault text must contain for each file the README says to flag.
 * Each names the fault RFC 4475 describes for that message. */
static const struct {
    const char *file, *fault;
} expected_faults[] = {
    {"badinv01.dat", "empty parameter in Via"},
    {"clerr.dat", "Content-Length larger than the message"},
    {"ncl.dat", "negative Content-Length"},
    {"scalar02.dat", "CSeq number out of range"},
    {"scalarlg.dat", "CSeq number out of range"},
    {"quotbal.dat", "unterminated quoted string in To"},
    {"ltgtruri.dat", "Request-URI enclosed in <>"},
    {"lwsruri.dat", "whitespace inside Request-URI"},
    {"lwsstart.dat", "several SP between Request-Line elements"},
    {"trws.dat", "SP at end of Request-Line"},
    {"escruri.dat", "headers ('?') not allowed in Request-URI"},
    {"baddate.dat", "time zone in Date is not GMT"},
    {"regbadct.dat", "URI with headers ('?') not enclosed in <> in Contact"},
    {"badaspec.dat", "whitespace inside <> in To"},
    {"baddn.dat", "non-token character in unquoted display name in From"},
    {"badvers.dat", "unknown SIP version SIP/7.0"},
    {"mismatch01.dat", "CSeq method does not match request method"},
    {"mismatch02.dat", "CSeq method does not match request method"},
    {"bigcode.dat", "status code out of range"},
    {"insuf.dat", "missing To, From, Call-ID"},
    {"multi01.dat", "several CSeq headers"},
    {"mcl01.dat", "several Content-Length headers"},
};

/* Reads the README table: file -> verdict. Returns the number of rows. */
static int readme_verdicts(char files[][64], enum verdict *v, int cap)
{
    char dir[1024], path[1200];
    corpus_dir(dir, sizeof dir);
    if ((size_t)snprintf(path, sizeof path, "%s/README.md", dir) >= sizeof path)
        fail_msg("path too long: %s", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s (set SW_SHARED)", path);
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64], sect[256], exp[128];
        if (sscanf(line, "| %63[^ |] | %255[^|]| %127[^|]|", name, sect, exp) != 3)
            continue;
        size_t l = strlen(name);
        if (l < 5 || strcmp(name + l - 4, ".dat") != 0 || n >= cap)
            continue;
        memcpy(files[n], name, l + 1);
        if (strncmp(exp, "valid", 5) == 0)
            v[n] = V_VALID;
        else if (strncmp(exp, "invalid", 7) == 0)
            v[n] = V_INVALID;
        else if (strncmp(exp, "semantics (flag", 15) == 0)
            v[n] = V_FLAG;
        else if (strncmp(exp, "semantics", 9) == 0)
            v[n] = V_SEMANTICS;
        else
            v[n] = V_UNKNOWN;
        n++;
    }
    fclose(f);
    return n;
}

static const char *expected_fault(const char *file)
{
    for (size_t i = 0; i < SW_ARRAY_LEN(expected_faults); i++)
        if (strcmp(expected_faults[i].file, file) == 0)
            return expected_faults[i].fault;
    return NULL;
}

/* Every file in the corpus against its README verdict. */
static void test_verdicts(void **state)
{
    (void)state;
    static char files[MAX_FILES][64], readme[MAX_FILES][64];
    enum verdict v[MAX_FILES];
    int nf = corpus_list(files, MAX_FILES);
    int nr = readme_verdicts(readme, v, MAX_FILES);
    assert_int_equal(nf, 49);
    assert_int_equal(nr, 49);
    int counts[5] = {0};
    for (int i = 0; i < nf; i++) {
        int k = -1;
        for (int j = 0; j < nr; j++)
            if (strcmp(files[i], readme[j]) == 0)
                k = j;
        if (k < 0)
            fail_msg("%s is not in the README table", files[i]);
        assert_int_not_equal(v[k], V_UNKNOWN);
        counts[v[k]]++;

        size_t len;
        char *raw = corpus_load(files[i], &len);
        const char *b = guard_copy(raw, len);
        sw_sip_msg m;
        sw_sip_header h[64];
        int64_t r = sw_sip_parse(&m, b, len, h, 64);
        if (r <= 0)
            fail_msg("%s: parse returned %lld", files[i], (long long)r);
        assert_true(sw_sip_looks_like(b, len));
        assert_false(m.flags & SW_SIPF_TOO_MANY_HDRS);
        const char *want = expected_fault(files[i]);
        switch (v[k]) {
        case V_VALID:
        case V_SEMANTICS:
            if (m.malformed)
                fail_msg("%s (well-formed): flagged \"%s\" at %u", files[i], m.malformed,
                         m.malformed_off);
            assert_false(m.flags & (SW_SIPF_MALFORMED | SW_SIPF_TRUNCATED));
            assert_null(want);
            break;
        case V_FLAG:
        case V_INVALID:
            assert_non_null(want);
            if (!m.malformed || strcmp(m.malformed, want) != 0)
                fail_msg("%s: fault \"%s\", want \"%s\"", files[i],
                         m.malformed ? m.malformed : "(none)", want);
            assert_true(m.flags & SW_SIPF_MALFORMED);
            assert_true(m.malformed_off < len);
            break;
        default:
            break;
        }
        /* Still shows what it could read: the Call-ID of every file but two
         * starts with the file's stem (RFC 4475's naming convention). */
        char stem[64];
        snprintf(stem, sizeof stem, "%.*s.", (int)(strlen(files[i]) - 4), files[i]);
        if (strcmp(files[i], "mpart01.dat") != 0 && strcmp(files[i], "insuf.dat") != 0) {
            if (m.call_id.len < strlen(stem) || memcmp(m.call_id.p, stem, strlen(stem)) != 0)
                fail_msg("%s: Call-ID \"%.*s\"", files[i], (int)m.call_id.len, m.call_id.p);
        }
        exercise(&m, b, len);
        free(raw);
    }
    assert_int_equal(counts[V_VALID], 13);
    assert_int_equal(counts[V_INVALID], 19);
    assert_int_equal(counts[V_FLAG], 3);
    assert_int_equal(counts[V_SEMANTICS], 14);
}

/* ---- key fields, file by file -------------------------------------------- */

static const struct key_case {
    const char *file;
    const char *method; /* NULL for responses */
    int status;
    const char *call_id;
    uint32_t cseq;
    const char *cseq_method;
    const char *branch; /* first Via value */
    const char *from_tag, *to_tag;
    int64_t clen;
    size_t body;
    int nvia; /* Via values across all Via headers */
} key_cases[] = {
    {"wsinv.dat", "INVITE", 0, "wsinv.ndaksdj@192.0.2.1", 9, "INVITE", "390skdjuw", "98asjd8",
     "1918181833n", 150, 150, 3},
    {"intmeth.dat", "!interesting-Method0123456789_*+`.%indeed'~", 0,
     "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{", 139122385,
     "!interesting-Method0123456789_*+`.%indeed'~", "z9hG4bK-.!%66*_+`'~", "_token~1'+`*%!-.",
     "", 0, 0, 1},
    {"esc01.dat", "INVITE", 0, "esc01.239409asdfakjkn23onasd0-3234", 234234, "INVITE",
     "z9hG4bKkdjuw", "938", "", 150, 150, 1},
    {"escnull.dat", "REGISTER", 0, "escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd", 14398234,
     "REGISTER", "z9hG4bKkdjuw", "839923423", "", 0, 0, 1},
    {"esc02.dat", "RE%47IST%45R", 0, "esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf", 29344,
     "RE%47IST%45R", "z9hG4bK209%fzsnel234", "f232jadfj23", "", 0, 0, 1},
    {"lwsdisp.dat", "OPTIONS", 0, "lwsdisp.1234abcd@funky.example.com", 60, "OPTIONS",
     "z9hG4bKkdjuw", "323", "", 0, 0, 1},
    {"longreq.dat", "INVITE", 0,
     "longreq.onereallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreallyreally"
     "reallyreallyreallyreallyreallyreallyreallylongcallid",
     3882340, "INVITE", "",
     "12982982982982982982982982982982982982982982982982982982982982982982982982982982982982982"
     "982982982982982982982982982982982982982982982982982982982982982424",
     "", 150, 150, 34},
    {"dblreq.dat", "REGISTER", 0, "dblreq.0ha0isndaksdj99sdfafnl3lk233412", 8, "REGISTER",
     "z9hG4bKkdjuw23492", "43251j3j324", "", 0, 0, 1},
    {"semiuri.dat", "OPTIONS", 0, "semiuri.0ha0isndaksdj", 8, "OPTIONS", "z9hG4bKkdjuw", "33242",
     "", 0, 0, 1},
    {"transports.dat", "OPTIONS", 0, "transports.kijh4akdnaqjkwendsasfdj", 60, "OPTIONS",
     "z9hG4bKkdjuw", "323", "", 0, 0, 5},
    {"mpart01.dat", "MESSAGE", 0, "3d9485ad0c49859b@Zmx1ZmZ5LW1hYy0xNi5sb2NhbA..", 1, "MESSAGE",
     "z9hG4bK-d87543-4dade06d0bdb11ee-1--d87543-", "2fb0dcc9", "", 553, 553, 1},
    {"unreason.dat", NULL, 200, "unreason.1234ksdfak3j2erwedfsASdf", 35, "INVITE",
     "z9hG4bK1324923", "11141343", "2229", 154, 154, 1},
    {"noreason.dat", NULL, 100, "noreason.asndj203insdf99223ndf", 35, "INVITE",
     "z9hG4bK2398ndaoe", "39ansfi3", "902jndnke3", 0, 0, 1},
    {"badbranch.dat", "OPTIONS", 0, "badbranch.sadonfo23i420jv0as0derf3j3n", 8, "OPTIONS",
     "z9hG4bK", "33242", "", 0, 0, 1},
    {"insuf.dat", "INVITE", 0, "", 193942, "INVITE", "z9hG4bKkdj.insuf", "", "", 152, 152, 1},
    {"unkscm.dat", "OPTIONS", 0, "unkscm.nasdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS",
     "z9hG4bKkdjuw39234", "384", "", 0, 0, 1},
    {"novelsc.dat", "OPTIONS", 0, "novelsc.asdfasser0q239nwsdfasdkl34", 3923423, "OPTIONS",
     "z9hG4bKkdjuw39234", "384", "", 0, 0, 1},
    {"unksm2.dat", "REGISTER", 0, "unksm2.daksdj@hyphenated-host.example.com", 234902,
     "REGISTER", "z9hG4bKkdjuw", "3234233", "", 0, 0, 1},
    {"bext01.dat", "OPTIONS", 0, "bext01.0ha0isndaksdj", 8, "OPTIONS", "z9hG4bKkdjuw", "242etr",
     "", 0, 0, 1},
    {"invut.dat", "INVITE", 0, "invut.0ha0isndaksdjadsfij34n23d", 235448, "INVITE",
     "z9hG4bKkdjuw", "8392034", "", 40, 40, 1},
    {"regaut01.dat", "REGISTER", 0, "regaut01.0ha0isndaksdj", 9338, "REGISTER", "z9hG4bKkdjuw",
     "87321hj23128", "", 0, 0, 1},
    {"multi01.dat", "INVITE", 0, "multi01.98asdh@192.0.2.1", 5, "INVITE", "z9hG4bKkdjuw",
     "3413415", "", 154, 154, 1},
    {"mcl01.dat", "OPTIONS", 0, "mcl01.fhn2323orihawfdoa3o4r52o3irsdf", 15932, "OPTIONS",
     "z9hG4bK293423", "3923942", "", 13, 13, 1},
    {"bcast.dat", NULL, 200, "bcast.0384840201234ksdfak3j2erwedfsASdf", 35, "INVITE",
     "z9hG4bK1324923", "11141343", "2229", 154, 154, 2},
    {"zeromf.dat", "OPTIONS", 0, "zeromf.jfasdlfnm2o2l43r5u0asdfas", 39234321, "OPTIONS",
     "z9hG4bKkdjuw2349i", "3ghsd41", "", 0, 0, 1},
    {"cparam01.dat", "REGISTER", 0, "cparam01.70710@saturn.example.com", 2, "REGISTER",
     "z9hG4bKkdjuw", "DkfVgjkrtMwaerKKpe", "", 0, 0, 1},
    {"cparam02.dat", "REGISTER", 0, "cparam02.70710@saturn.example.com", 3, "REGISTER",
     "z9hG4bKkdjuw", "838293", "", 0, 0, 1},
    {"regescrt.dat", "REGISTER", 0, "regescrt.k345asrl3fdbv@192.0.2.1", 14398234, "REGISTER",
     "z9hG4bKkdjuw", "8", "", 0, 0, 1},
    {"sdp01.dat", "INVITE", 0, "sdp01.ndaksdj9342dasdd", 8, "INVITE", "z9hG4bKkdjuw", "234", "",
     150, 150, 1},
    {"inv2543.dat", "INVITE", 0, "inv2543.1717@ift.client.example.com", 56, "INVITE", "", "", "",
     -1, 105, 1},
    /* invalid ones still show what they could read */
    {"mismatch01.dat", "OPTIONS", 0, "mismatch01.dj0234sxdfl3", 8, "INVITE", "z9hG4bKkdjuw",
     "34525", "", 0, 0, 1},
    {"clerr.dat", "INVITE", 0, "clerr.0ha0isndaksdjweiafasdk3", 8, "INVITE",
     "z9hG4bK-39234-23523", "93942939o2", "", 9999, 154, 1},
    {"ncl.dat", "INVITE", 0, "ncl.0ha0isndaksdj2193423r542w35", 0, "INVITE", "z9hG4bKkdjuw",
     "32394234", "", -1, 152, 1},
    {"scalar02.dat", "REGISTER", 0, "scalar02.23o0pd9vanlq3wnrlnewofjas9ui32", 0, "REGISTER",
     "z9hG4bK342sdfoi3", "239232jh3", "", 0, 0, 1},
    {"bigcode.dat", NULL, -1, "bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i", 353494,
     "INVITE", "z9hG4bK2398ndaoe", "39ansfi3", "902jndnke3", 0, 0, 1},
};

static void test_key_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < SW_ARRAY_LEN(key_cases); i++) {
        const struct key_case *c = &key_cases[i];
        size_t len;
        char *raw = corpus_load(c->file, &len);
        const char *b = guard_copy(raw, len);
        sw_sip_msg m;
        sw_sip_header h[64];
        int64_t r = sw_sip_parse(&m, b, len, h, 64);
        assert_true(r > 0);
        if (c->method) {
            assert_true(m.is_request);
            assert_str(m.method, c->method);
        } else {
            assert_false(m.is_request);
            assert_int_equal(m.status, c->status);
        }
        assert_str(m.call_id, c->call_id);
        assert_int_equal(m.cseq, c->cseq);
        assert_str(m.cseq_method, c->cseq_method);
        assert_int_equal(m.content_length, c->clen);
        assert_int_equal(m.body.len, c->body);

        assert_non_null(m.first[SW_HDR_VIA]);
        sw_str cur = m.first[SW_HDR_VIA]->value, item;
        assert_true(sw_sip_list_next(&cur, &item));
        sw_sip_via v;
        assert_int_equal(sw_sip_via_parse(item, &v), 0);
        assert_str(v.branch, c->branch);
        int nvia = 0;
        for (const sw_sip_header *x = sw_sip_hdr_next(&m, SW_HDR_VIA, NULL); x;
             x = sw_sip_hdr_next(&m, SW_HDR_VIA, x)) {
            cur = x->value;
            while (sw_sip_list_next(&cur, &item)) {
                if (m.malformed == NULL)
                    assert_int_equal(sw_sip_via_parse(item, &v), 0);
                nvia++;
            }
        }
        if (nvia != c->nvia)
            fail_msg("%s: %d Via values, want %d", c->file, nvia, c->nvia);

        sw_sip_nameaddr na;
        if (m.first[SW_HDR_FROM]) {
            sw_sip_nameaddr_parse(m.first[SW_HDR_FROM]->value, &na);
            assert_str(na.tag, c->from_tag);
        }
        if (m.first[SW_HDR_TO]) {
            sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na);
            assert_str(na.tag, c->to_tag);
        }
        free(raw);
    }
}

/* Loads, parses with guard; caller frees *raw. */
static const char *load_parse(const char *file, char **raw, size_t *len, sw_sip_msg *m,
                              sw_sip_header *h, size_t cap)
{
    *raw = corpus_load(file, len);
    const char *b = guard_copy(*raw, *len);
    assert_true(sw_sip_parse(m, b, *len, h, cap) > 0);
    return b;
}

static const sw_sip_header *find(const sw_sip_msg *m, const char *name)
{
    const sw_sip_header *x = sw_sip_hdr_find(m, sw_str_cstr(name));
    if (!x)
        fail_msg("no header %s", name);
    return x;
}

static void test_wsinv(void **state)
{
    (void)state;
    char *raw;
    size_t len;
    sw_sip_msg m;
    sw_sip_header h[32];
    load_parse("wsinv.dat", &raw, &len, &m, h, 32);
    assert_str(m.ruri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
    assert_int_equal(m.nhdrs, 14);
    assert_str(m.first[SW_HDR_TO]->name, "TO");
    assert_str(m.first[SW_HDR_MAX_FORWARDS]->value, "0068");
    assert_str(m.first[SW_HDR_MAX_FORWARDS]->name, "MaX-fOrWaRdS");
    assert_str(m.first[SW_HDR_CONTENT_LENGTH]->name, "Content-Length");
    assert_str(m.first[SW_HDR_SUBJECT]->name, "s");
    assert_str(m.first[SW_HDR_SUBJECT]->value, "");
    assert_str(find(&m, "NewFangledHeader")->value,
               "newfangled value\r\n continued newfangled value");
    assert_str(find(&m, "UnknownHeaderWithUnusualValue")->value, ";;,,;;,;");

    sw_sip_nameaddr na;
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_FROM]->value, &na), 0);
    assert_str(na.display, "J Rosenberg \\\\\\\"");
    assert_str(na.uri, "sip:jdrosen@example.com");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_str(na.uri, "sip:vivekg@chair-dnrc.example.com");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_CONTACT]->value, &na), 0);
    assert_str(na.display, "Quoted string \\\"\\\"");
    sw_str q;
    assert_true(sw_sip_param_get(na.params, "q", &q));
    assert_str(q, "0.33");
    assert_true(sw_sip_param_get(na.params, "newparam", &q));
    assert_str(q, "newvalue");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_ROUTE]->value, &na), 0);
    assert_str(na.uri, "sip:services.example.com;lr;unknownwith=value;unknown-no-value");
    sw_sip_uri u;
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.host, "services.example.com");
    assert_true(sw_sip_param_get(u.params, "unknownwith", &q));
    assert_str(q, "value");

    sw_sip_via v;
    assert_int_equal(sw_sip_via_parse(m.first[SW_HDR_VIA]->value, &v), 0);
    assert_str(v.transport, "UDP");
    assert_str(v.host, "192.0.2.2");
    const sw_sip_header *v2 = sw_sip_hdr_next(&m, SW_HDR_VIA, m.first[SW_HDR_VIA]);
    sw_str cur = v2->value, item;
    assert_true(sw_sip_list_next(&cur, &item));
    assert_true(sw_sip_list_next(&cur, &item));
    assert_int_equal(sw_sip_via_parse(item, &v), 0);
    assert_str(v.host, "192.168.255.111");
    assert_str(v.branch, "z9hG4bK30239");

    sw_str sdp;
    assert_true(sw_sip_find_sdp(&m, &sdp));
    sw_sdp s;
    sw_sdp_media media[4];
    assert_int_equal(sw_sdp_parse(sdp, &s, media, 4), 0);
    assert_str(s.conn_addr, "192.0.2.4");
    assert_int_equal(s.nmedia, 2);
    free(raw);
}

static void test_intmeth_esc(void **state)
{
    (void)state;
    char *raw;
    size_t len;
    sw_sip_msg m;
    sw_sip_header h[32];
    sw_sip_uri u;
    sw_sip_nameaddr na;

    load_parse("intmeth.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_uri_parse(m.ruri, &u), 0);
    assert_str(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert_str(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert_str(u.host, "example.com");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_int_equal(na.display.len, 20); /* BEL:\^G NUL:\^@ DEL:\^? with the raw bytes */
    assert_memory_equal(na.display.p, "BEL:\\\x07 NUL:\\\0 DEL:\\\x7f", 20);
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_FROM]->value, &na), 0);
    assert_str(na.display, "token1~` token2'+_ token3*%!.-");
    sw_str p;
    assert_true(sw_sip_param_get(na.params, "fromParam''~+*_!.-%", &p));
    assert_int_equal(p.len, 20); /* a quoted UTF-8 value, quotes removed */
    assert_memory_equal(p.p, "\xd1\x80\xd0\xb0", 4);
    const sw_sip_header *ext = find(&m, "extensionHeader-!.%*+_`'~");
    assert_int_equal(ext->value.len, 12);
    free(raw);

    load_parse("esc01.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_uri_parse(m.ruri, &u), 0);
    assert_str(u.user, "sips%3Auser%40example.com");
    assert_str(u.host, "example.net");
    assert_str(m.first[SW_HDR_CONTENT_TYPE]->name, "C");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_CONTACT]->value, &na), 0);
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.user, "cal%6Cer");
    assert_str(u.params, "%6C%72;n%61me=v%61lue%25%34%31");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_FROM]->value, &na), 0);
    assert_str(na.uri, "sip:I%20have%20spaces@example.net");
    free(raw);

    load_parse("esc02.dat", &raw, &len, &m, h, 32);
    int contacts = 0;
    for (const sw_sip_header *x = sw_sip_hdr_next(&m, SW_HDR_CONTACT, NULL); x;
         x = sw_sip_hdr_next(&m, SW_HDR_CONTACT, x))
        contacts++;
    assert_int_equal(contacts, 2); /* "C%6Fntact" is not Contact */
    assert_str(find(&m, "C%6Fntact")->value, "<sip:alias2@host2.example.com>");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_str(na.display, "%Z%45");
    free(raw);

    load_parse("escnull.dat", &raw, &len, &m, h, 32);
    assert_str(m.first[SW_HDR_CONTENT_LENGTH]->name, "L");
    assert_int_equal(m.content_length, 0);
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.user, "null-%00-null");
    free(raw);
}

static void test_long_and_double(void **state)
{
    (void)state;
    char *raw;
    size_t len;
    sw_sip_msg m;
    sw_sip_header h[64];
    sw_sip_nameaddr na;
    sw_sip_uri u;
    sw_sip_via v;

    load_parse("longreq.dat", &raw, &len, &m, h, 64);
    assert_int_equal(m.nhdrs, 43);
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_int_equal(na.display.len, 103);
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_int_equal(u.port, 6000);
    assert_str(m.first[SW_HDR_FROM]->name, "F");
    const sw_sip_header *last = NULL;
    for (const sw_sip_header *x = sw_sip_hdr_next(&m, SW_HDR_VIA, NULL); x;
         x = sw_sip_hdr_next(&m, SW_HDR_VIA, x))
        last = x;
    assert_int_equal(sw_sip_via_parse(last->value, &v), 0);
    assert_str(v.received, "192.0.2.5");
    assert_int_equal(v.branch.len, 215);
    /* With room for only 16 headers the rest is counted, not indexed. */
    sw_sip_header small[16];
    assert_int_equal(sw_sip_parse(&m, m.buf, len, small, 16), (int64_t)len);
    assert_true(m.flags & SW_SIPF_TOO_MANY_HDRS);
    assert_int_equal(m.nhdrs, 16);
    assert_int_equal(m.body.len, 150);
    free(raw);

    /* dblreq: one datagram, two requests; the second is trailing data. */
    load_parse("dblreq.dat", &raw, &len, &m, h, 64);
    assert_int_equal(m.len, 300);
    assert_true(m.flags & SW_SIPF_TRAILING);
    assert_null(m.malformed);
    assert_str(m.first[SW_HDR_CALL_ID]->name, "I");
    const char *b = m.buf;
    sw_sip_msg m2;
    sw_sip_header h2[16];
    int64_t r2 = sw_sip_parse(&m2, b + 302, len - 302, h2, 16);
    assert_int_equal(m2.content_length, 150);
    assert_int_equal(r2, (int64_t)(m2.body.p - (b + 302)) + 150);
    assert_true(m2.flags & SW_SIPF_TRAILING); /* 5 bytes after its 150-byte body */
    assert_str(m2.method, "INVITE");
    assert_str(m2.call_id, "dblreq.0ha0isnda977644900765@192.0.2.15");
    assert_str(m2.first[SW_HDR_TO]->name, "t");
    assert_null(m2.malformed);
    /* The bytes after the first message are not SIP by themselves (CRLF). */
    assert_int_equal(sw_sip_parse(&m2, b + 300, len - 300, h2, 16), SW_SIP_NOT_SIP);
    free(raw);
}

static void test_uris_in_corpus(void **state)
{
    (void)state;
    char *raw;
    size_t len;
    sw_sip_msg m;
    sw_sip_header h[32];
    sw_sip_uri u;
    sw_sip_nameaddr na;

    load_parse("semiuri.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_uri_parse(m.ruri, &u), 0);
    assert_str(u.user, "user;par=u%40example.net");
    assert_str(u.host, "example.com");
    sw_str cur = m.first[SW_HDR_ACCEPT]->value, item;
    int n = 0;
    while (sw_sip_list_next(&cur, &item))
        n++;
    assert_int_equal(n, 6);
    free(raw);

    load_parse("transports.dat", &raw, &len, &m, h, 32);
    const char *tr[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
    n = 0;
    for (const sw_sip_header *x = sw_sip_hdr_next(&m, SW_HDR_VIA, NULL); x;
         x = sw_sip_hdr_next(&m, SW_HDR_VIA, x)) {
        sw_sip_via v;
        assert_int_equal(sw_sip_via_parse(x->value, &v), 0);
        assert_str(v.transport, tr[n]);
        n++;
    }
    assert_int_equal(n, 5);
    free(raw);

    load_parse("unkscm.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_uri_parse(m.ruri, &u), 0);
    assert_str(u.scheme, "nobodyKnowsThisScheme");
    free(raw);

    load_parse("novelsc.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_uri_parse(m.ruri, &u), 0);
    assert_str(u.scheme, "soap.beep");
    assert_str(u.host, "192.0.2.103");
    assert_int_equal(u.port, 3002);
    free(raw);

    load_parse("unksm2.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), 0);
    assert_str(na.uri, "isbn:2983792873");
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.scheme, "isbn");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_FROM]->value, &na), 0);
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.host, "www.example.com");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_CONTACT]->value, &na), 0);
    assert_str(na.uri, "name:John_Smith");
    free(raw);

    load_parse("cparam01.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_CONTACT]->value, &na), 0);
    assert_str(na.uri, "sip:+19725552222@gw1.example.net");
    assert_str(na.params, "unknownparam");
    free(raw);

    load_parse("cparam02.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_CONTACT]->value, &na), 0);
    assert_str(na.params, "");
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.params, "unknownparam");
    free(raw);

    load_parse("regescrt.dat", &raw, &len, &m, h, 32);
    assert_str(m.first[SW_HDR_CONTACT]->name, "M");
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_CONTACT]->value, &na), 0);
    assert_int_equal(sw_sip_uri_parse(na.uri, &u), 0);
    assert_str(u.headers, "Route=%3Csip:sip.example.com%3E");
    free(raw);

    load_parse("regaut01.dat", &raw, &len, &m, h, 32);
    sw_sip_auth a;
    assert_int_equal(sw_sip_auth_parse(m.first[SW_HDR_AUTHORIZATION]->value, &a), 0);
    assert_str(a.scheme, "NoOneKnowsThisScheme");
    assert_str(a.opaque, "");
    free(raw);

    load_parse("bcast.dat", &raw, &len, &m, h, 32);
    const sw_sip_header *v2 = sw_sip_hdr_next(&m, SW_HDR_VIA, m.first[SW_HDR_VIA]);
    sw_sip_via v;
    assert_int_equal(sw_sip_via_parse(v2->value, &v), 0);
    assert_str(v.host, "255.255.255.255");
    free(raw);

    load_parse("zeromf.dat", &raw, &len, &m, h, 32);
    assert_str(m.first[SW_HDR_MAX_FORWARDS]->value, "0");
    free(raw);

    load_parse("bext01.dat", &raw, &len, &m, h, 32);
    cur = m.first[SW_HDR_PROXY_REQUIRE]->value;
    assert_true(sw_sip_list_next(&cur, &item));
    assert_str(item, "noProxiesSupportThis");
    free(raw);
}

static void test_responses_and_invalid_shown(void **state)
{
    (void)state;
    char *raw;
    size_t len;
    sw_sip_msg m;
    sw_sip_header h[32];
    sw_sip_nameaddr na;

    load_parse("noreason.dat", &raw, &len, &m, h, 32);
    assert_int_equal(m.status, 100);
    assert_int_equal(m.reason.len, 0);
    free(raw);

    load_parse("unreason.dat", &raw, &len, &m, h, 32);
    assert_int_equal(m.status, 200);
    assert_true(m.reason.len > 40);
    assert_memory_equal(m.reason.p, "= 2**3 * 5**2 ", 14);
    free(raw);

    load_parse("bigcode.dat", &raw, &len, &m, h, 32);
    assert_int_equal(m.status, -1);
    assert_str(m.reason, "better not break the receiver");
    assert_int_equal(m.malformed_off, 8);
    free(raw);

    load_parse("badvers.dat", &raw, &len, &m, h, 32);
    assert_str(m.version, "SIP/7.0");
    assert_str(m.ruri, "sip:t.watson@example.org");
    free(raw);

    load_parse("quotbal.dat", &raw, &len, &m, h, 32);
    assert_int_equal(sw_sip_nameaddr_parse(m.first[SW_HDR_TO]->value, &na), SW_EFORMAT);
    assert_str(na.uri, "sip:j.user@example.com");
    free(raw);

    load_parse("ltgtruri.dat", &raw, &len, &m, h, 32);
    assert_str(m.ruri, "<sip:user@example.com>");
    free(raw);

    load_parse("lwsruri.dat", &raw, &len, &m, h, 32);
    assert_str(m.ruri, "sip:user@example.com; lr");
    assert_str(m.version, "SIP/2.0");
    free(raw);

    load_parse("lwsstart.dat", &raw, &len, &m, h, 32);
    assert_str(m.ruri, "sip:user@example.com");
    free(raw);

    load_parse("trws.dat", &raw, &len, &m, h, 32);
    assert_str(m.version, "SIP/2.0");
    assert_int_equal(m.malformed_off, 45);
    free(raw);

    load_parse("clerr.dat", &raw, &len, &m, h, 32);
    assert_true(m.flags & SW_SIPF_TRUNCATED);
    free(raw);

    load_parse("mcl01.dat", &raw, &len, &m, h, 32);
    assert_true(m.flags & SW_SIPF_TRAILING);
    assert_str(m.body, "There's no wa");
    free(raw);

    load_parse("inv2543.dat", &raw, &len, &m, h, 32);
    assert_true(m.flags & SW_SIPF_NO_CLEN);
    sw_str sdp;
    assert_true(sw_sip_find_sdp(&m, &sdp));
    free(raw);

    load_parse("mpart01.dat", &raw, &len, &m, h, 32);
    assert_false(sw_sip_find_sdp(&m, &sdp)); /* text/plain + octet-stream only */
    sw_str bnd;
    assert_true(sw_sip_param_get(sw_str_make(m.first[SW_HDR_CONTENT_TYPE]->value.p + 16,
                                             m.first[SW_HDR_CONTENT_TYPE]->value.len - 16),
                                 "boundary", &bnd));
    assert_str(bnd, "7a9cbec02ceef655");
    free(raw);

    load_parse("invut.dat", &raw, &len, &m, h, 32);
    assert_false(sw_sip_find_sdp(&m, &sdp));
    free(raw);

    load_parse("sdp01.dat", &raw, &len, &m, h, 32);
    assert_true(sw_sip_find_sdp(&m, &sdp));
    free(raw);
}

/* ---- guard pages: every truncated prefix ---------------------------------- */

static size_t sweep(const char *msg, size_t len)
{
    size_t sum = 0;
    /* The whole message first: where its head ends and how long it is. */
    sw_sip_msg full;
    sw_sip_header fh[64];
    const char *fb = guard_copy(msg, len);
    int64_t fr = sw_sip_parse(&full, fb, len, fh, 64);
    assert_true(fr > 0);
    size_t head_len = (size_t)(full.body.p - fb);
    size_t msg_len = (size_t)fr;

    for (size_t n = 0; n <= len; n++) {
        const char *b = guard_copy(msg, n);
        sw_sip_msg m;
        sw_sip_header h[64];
        int64_t r = sw_sip_parse(&m, b, n, h, 64);
        if (r >= 0) {
            assert_true((size_t)r <= n);
            assert_int_equal(m.len, (size_t)r);
            assert_true(m.malformed_off <= n);
            assert_true(slice_in(m.body, b, n));
            assert_true(slice_in(m.method, b, n) && slice_in(m.ruri, b, n) &&
                        slice_in(m.reason, b, n) && slice_in(m.call_id, b, n));
            /* A cut message is reported as cut, never passed off as whole. */
            bool cut = n < head_len || (n < msg_len && full.content_length >= 0);
            if (cut && !((m.flags & SW_SIPF_TRUNCATED) && m.malformed))
                fail_msg("prefix %zu/%zu not flagged truncated (flags %#x)", n, len, m.flags);
            if (n >= msg_len)
                assert_int_equal(r, (int64_t)msg_len);
            sum += exercise(&m, b, n);
        }
        size_t ml;
        bool ka, big;
        int frr = sw_sip_frame(b, n, 65536, &ml, &ka, &big);
        if (frr > 0)
            assert_true(ml <= n);
        else if (n > 0)
            assert_true(n < len || frr == SW_SIP_INCOMPLETE); /* whole ones frame or wait */
        sum += (size_t)sw_sip_looks_like(b, n);
        /* The same prefix with a one-entry header array. */
        sw_sip_header one[1];
        sum += (size_t)sw_sip_parse(&m, b, n, one, 1);
    }
    return sum;
}

static void test_guard_prefixes_corpus(void **state)
{
    (void)state;
    static char files[MAX_FILES][64];
    int nf = corpus_list(files, MAX_FILES);
    assert_int_equal(nf, 49);
    size_t total = 0;
    for (int i = 0; i < nf; i++) {
        size_t len;
        char *raw = corpus_load(files[i], &len);
        total += sweep(raw, len);
        free(raw);
    }
    assert_true(total > 0);
}

static void test_guard_prefixes_realistic(void **state)
{
    (void)state;
    const char *msgs[] = {MSG_INVITE, MSG_200, MSG_401, MSG_BYE_LF};
    size_t total = 0;
    for (size_t i = 0; i < SW_ARRAY_LEN(msgs); i++)
        total += sweep(msgs[i], strlen(msgs[i]));
    assert_true(total > 0);
}

/* Every complete corpus message, framed as a TCP stream: one message plus
 * its Content-Length body, or NOT_SIP/INCOMPLETE for the broken lengths. */
static void test_frame_corpus(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        int ret; /* 0: the parser's length */
    } cases[] = {
        {"wsinv.dat", 0},   {"longreq.dat", 0},  {"dblreq.dat", 300},
        {"mcl01.dat", 0},   {"clerr.dat", SW_SIP_INCOMPLETE},
        {"ncl.dat", 0},     {"inv2543.dat", 340}, /* no Content-Length: head only */
        {"esc01.dat", 0},   {"noreason.dat", 0},
    };
    for (size_t i = 0; i < SW_ARRAY_LEN(cases); i++) {
        size_t len;
        char *raw = corpus_load(cases[i].file, &len);
        const char *b = guard_copy(raw, len);
        sw_sip_msg m;
        sw_sip_header h[64];
        int64_t pr = sw_sip_parse(&m, b, len, h, 64);
        size_t ml;
        bool ka, big;
        int r = sw_sip_frame(b, len, 65536, &ml, &ka, &big);
        int want = cases[i].ret;
        if (want == 0)
            want = (int)pr;
        /* ncl: framing counts the bad length as 0, the head only */
        if (strcmp(cases[i].file, "ncl.dat") == 0)
            want = (int)(m.body.p - b);
        if (r != want)
            fail_msg("frame %s: %d, want %d", cases[i].file, r, want);
        assert_false(ka);
        free(raw);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_key_fields),
        cmocka_unit_test(test_wsinv),
        cmocka_unit_test(test_intmeth_esc),
        cmocka_unit_test(test_long_and_double),
        cmocka_unit_test(test_uris_in_corpus),
        cmocka_unit_test(test_responses_and_invalid_shown),
        cmocka_unit_test(test_frame_corpus),
        cmocka_unit_test(test_guard_prefixes_corpus),
        cmocka_unit_test(test_guard_prefixes_realistic),
    };
    return cmocka_run_group_tests_name("sip_rfc4475", tests, NULL, NULL);
}
