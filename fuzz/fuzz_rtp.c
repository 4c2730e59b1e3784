/*
 * libFuzzer target for the media stage: the input is split into packets
 * (2-byte length prefixes); the first packet is taken as an SDP body and
 * announced, every other one is offered as a UDP payload to one of the
 * announced ports (and parsed as an RTP header on its own). Traps when a
 * parsed header claims more bytes than the packet has, or a stream's counts
 * contradict each other. Every packet of a stream is also decoded into an
 * audio track (the `audio` command's path) with a small sample bound; traps
 * when the track holds more samples than the bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/media.h"

#define NTRACKS 8

static sw_audio_track tracks[NTRACKS];
static sw_media *cur; /* the media object of the run, for the hook */

static void on_rtp(void *ud, size_t i, const sw_rtp_hdr *h, const sw_payload *pl)
{
    (void)ud;
    sw_media *m = cur;
    if (i >= NTRACKS)
        return;
    sw_audio_track *t = &tracks[i];
    if (!t->max_samples) {
        const sw_rtp_stream *s = sw_media_stream(m, i);
        t->codec = sw_audio_codec(s->pt, s->codec);
        t->pt = s->pt;
        t->max_samples = 80000;
    }
    sw_audio_track_add(t, h, pl->data + h->hdr_len, pl->ts_ns);
    if (t->n > t->max_samples)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sw_media_opts mo = {64, 64, on_rtp, NULL};
    sw_media *m = cur = sw_media_new(&mo);
    if (!m)
        return 0;
    size_t off = 0, npkt = 0;
    int64_t t = 0;
    while (off + 2 <= size) {
        size_t n = (size_t)data[off] | ((size_t)data[off + 1] << 8);
        off += 2;
        if (n > size - off)
            n = size - off;
        const uint8_t *p = data + off;
        off += n;
        if (npkt++ == 0) {
            sw_sdp sdp;
            sw_sdp_media md[4];
            sw_sdp_parse((sw_str){(const char *)p, n}, &sdp, md, 4);
            sw_media_announce(m, &sdp, 1);
            continue;
        }
        sw_rtp_hdr h;
        if (sw_rtp_parse(p, n, &h) == 0 && (size_t)h.hdr_len + h.payload_len > n)
            __builtin_trap();
        sw_payload pl;
        memset(&pl, 0, sizeof pl);
        pl.src.family = pl.dst.family = 4;
        pl.src.a[0] = 10;
        pl.src.a[3] = 1;
        pl.dst.a[0] = 10;
        pl.dst.a[3] = 2;
        pl.sport = 5000;
        pl.dport = (uint16_t)(4000 + (npkt & 3));
        pl.transport = 1;
        pl.data = p;
        pl.len = (uint32_t)n;
        t += 20000000 + (int64_t)(npkt % 7) * 1000000;
        pl.ts_ns = t;
        sw_media_udp(m, &pl);
    }
    for (size_t i = 0; i < sw_media_nstreams(m); i++) {
        const sw_rtp_stream *s = sw_media_stream(m, i);
        if (s->packets == 0 || s->lost != (int64_t)s->expected - (int64_t)s->packets)
            __builtin_trap();
    }
    for (size_t i = 0; i < NTRACKS; i++)
        sw_audio_track_free(&tracks[i]);
    sw_media_free(m);
    return 0;
}
