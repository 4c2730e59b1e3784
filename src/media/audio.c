/*
 * audio: RTP payloads back to 16-bit linear PCM (see media.h, "audio").
 *
 * G.711 expands an 8-bit code into a sign, a 3-bit segment (exponent) and a
 * 4-bit step within the segment. mu-law inverts every bit on the wire and
 * biases magnitudes by 132 so that segments join without a gap; A-law
 * inverts the even bits (XOR 0x55) and its first two segments share one
 * step size. The values below are the decoder outputs of G.711 tables 1a
 * and 2a, scaled to 16 bits as every softswitch does (mu-law peaks at
 * +-32124, A-law at +-32256).
 */
#include "media.h"

#include <stdlib.h>
#include <string.h>

#include "../base/base.h"

int16_t sw_g711_ulaw(uint8_t code)
{
    unsigned c = (unsigned)(~code) & 0xFFu;
    unsigned seg = (c >> 4) & 7u, step = c & 0x0Fu;
    int mag = (int)(((step << 3) + 132u) << seg) - 132;
    return (int16_t)((c & 0x80u) ? -mag : mag);
}

int16_t sw_g711_alaw(uint8_t code)
{
    unsigned c = (unsigned)code ^ 0x55u;
    unsigned seg = (c >> 4) & 7u, step = c & 0x0Fu;
    int mag = seg == 0 ? (int)((step << 4) + 8u) : (int)(((step << 4) + 264u) << (seg - 1));
    return (int16_t)((c & 0x80u) ? mag : -mag);
}

static bool name_is(const char *name, const char *want)
{
    size_t n = strlen(want);
    return name && strlen(name) == n && sw_str_ieq(sw_str_make(name, n), sw_str_make(want, n));
}

int sw_audio_codec(uint8_t pt, const char *codec_name)
{
    if (codec_name && codec_name[0]) {
        if (name_is(codec_name, "PCMU"))
            return 0;
        if (name_is(codec_name, "PCMA"))
            return 8;
        return -1;
    }
    return pt == 0 || pt == 8 ? pt : -1;
}

/* 6 hours at 8 kHz: what one stream may fill before samples are counted
 * instead of stored (a crafted timestamp cannot ask for gigabytes). */
#define MAX_SAMPLES_DEFAULT ((size_t)6 * 3600 * SW_AUDIO_RATE)

static int reserve(sw_audio_track *t, size_t need)
{
    int16_t *ns = sw_grow_zeroed(t->s, &t->cap, need, sizeof *ns, SW_AUDIO_RATE);
    if (!ns)
        return SW_ENOMEM;
    t->s = ns;
    return 0;
}

int sw_audio_track_add(sw_audio_track *t, const sw_rtp_hdr *h, const uint8_t *payload,
                       int64_t ts_ns)
{
    if (h->pt != t->pt || t->codec < 0) {
        t->skipped++;
        return 0;
    }
    if (!t->started) {
        t->started = true;
        t->t_start = ts_ns;
        t->ts_base = h->ts;
    }
    size_t max = t->max_samples ? t->max_samples : MAX_SAMPLES_DEFAULT;
    /* Where the packet belongs by its timestamp, and by its arrival. */
    int64_t off = (int32_t)(h->ts - t->ts_base);
    int64_t arr = ts_ns > t->t_start ? (ts_ns - t->t_start) / (1000000000 / SW_AUDIO_RATE) : 0;
    int64_t jump = (int64_t)SW_AUDIO_JUMP_S * SW_AUDIO_RATE;
    if (off < 0 || off > arr + jump || off < arr - jump) {
        /* The sender restarted its clock (or lies): continue at arrival. */
        t->ts_base = h->ts - (uint32_t)arr;
        off = arr;
        t->reanchored++;
    }
    size_t len = h->payload_len;
    if ((uint64_t)off >= max) {
        t->dropped += len;
        return 0;
    }
    if ((uint64_t)off + len > max) {
        t->dropped += (size_t)((uint64_t)off + len - max);
        len = (size_t)(max - (uint64_t)off);
    }
    size_t at = (size_t)off;
    if (reserve(t, at + len))
        return SW_ENOMEM;
    if (t->codec == 0)
        for (size_t i = 0; i < len; i++)
            t->s[at + i] = sw_g711_ulaw(payload[i]);
    else
        for (size_t i = 0; i < len; i++)
            t->s[at + i] = sw_g711_alaw(payload[i]);
    if (at + len > t->n)
        t->n = at + len;
    t->packets++;
    return 0;
}

void sw_audio_track_free(sw_audio_track *t)
{
    free(t->s);
    memset(t, 0, sizeof *t);
}
