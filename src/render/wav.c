/*
 * wav: RIFF/WAVE output (PCM, 16-bit little-endian), what `audio` writes.
 *
 * The canonical 44-byte header: "RIFF" size "WAVE", a 16-byte "fmt " chunk
 * (format 1 = PCM, channels, rate, byte rate, block align, bits) and the
 * "data" chunk. Every field is little-endian whatever the host.
 */
#include "render.h"

#include <string.h>

static void le16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
    le16(p, v & 0xFFFFu);
    le16(p + 2, v >> 16);
}

int sw_render_wav(FILE *f, unsigned rate, unsigned nch, const int16_t *const ch[],
                  const size_t len[], size_t n)
{
    if (nch < 1 || nch > 2)
        return -1;
    uint64_t data = (uint64_t)n * nch * 2;
    if (data > UINT32_MAX - 36)
        return -1;
    unsigned char h[44];
    memcpy(h, "RIFF", 4);
    le32(h + 4, (uint32_t)(36 + data));
    memcpy(h + 8, "WAVEfmt ", 8);
    le32(h + 16, 16);
    le16(h + 20, 1);
    le16(h + 22, nch);
    le32(h + 24, rate);
    le32(h + 28, rate * nch * 2);
    le16(h + 32, nch * 2);
    le16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    le32(h + 40, (uint32_t)data);
    if (fwrite(h, 1, sizeof h, f) != sizeof h)
        return -1;
    unsigned char buf[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        for (unsigned c = 0; c < nch; c++) {
            int16_t v = i < len[c] ? ch[c][i] : 0;
            le16(buf + k, (unsigned)(uint16_t)v);
            k += 2;
        }
        if (k + 4 > sizeof buf) {
            if (fwrite(buf, 1, k, f) != k)
                return -1;
            k = 0;
        }
    }
    if (k && fwrite(buf, 1, k, f) != k)
        return -1;
    return ferror(f) ? -1 : 0;
}
