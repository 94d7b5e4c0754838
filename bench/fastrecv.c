/* The load generator's receive side in C (bench/fastrecv.py loads it with ctypes).

   parse() walks the complete server websocket frames at the start of buf. A text frame whose
   Engine.IO/Socket.IO payload starts with "42" and holds the envelope key "header":" is a
   delivery: its 24 base64 characters decode to the 18-byte bench header
       sender u32 | counter u32 | scheduled ns u64 | 0 u16   (big-endian)
   and one record (recipient, sender, counter, now_ns - scheduled) goes to rec. Every other
   frame (acks, pings, the handshake, close frames) goes to other as (offset, length, opcode)
   for Python to handle as before. Parsing stops before an incomplete frame or when either
   output is full; the return value is the number of bytes consumed. No allocation, no I/O. */

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static const char KEY[] = "\"header\":\"";
#define KEY_LEN 10

static int b64(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* 24 base64 characters -> 18 bytes; 0 on a bad character. */
static int decode24(const unsigned char *s, unsigned char *out) {
    for (int i = 0; i < 6; i++) {
        int a = b64(s[4 * i]), b = b64(s[4 * i + 1]), c = b64(s[4 * i + 2]),
            d = b64(s[4 * i + 3]);
        if ((a | b | c | d) < 0) return 0;
        uint32_t v = ((uint32_t)a << 18) | ((uint32_t)b << 12) | ((uint32_t)c << 6) | (uint32_t)d;
        out[3 * i] = (unsigned char)(v >> 16);
        out[3 * i + 1] = (unsigned char)(v >> 8);
        out[3 * i + 2] = (unsigned char)v;
    }
    return 1;
}

static uint64_t be(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static const unsigned char *find_key(const unsigned char *p, size_t n) {
    if (n < KEY_LEN) return NULL;
    const unsigned char *end = p + n - KEY_LEN + 1;
    while (p < end) {
        const unsigned char *q = memchr(p, '"', (size_t)(end - p));
        if (q == NULL) return NULL;
        if (memcmp(q, KEY, KEY_LEN) == 0) return q;
        p = q + 1;
    }
    return NULL;
}

size_t parse(const unsigned char *buf, size_t len, int64_t recipient, int64_t now_ns,
             int64_t *rec, size_t rec_cap, size_t *rec_n,
             int64_t *other, size_t other_cap, size_t *other_n) {
    size_t pos = 0, nr = 0, no = 0;
    while (len - pos >= 2) {
        uint64_t n = buf[pos + 1] & 0x7F;
        size_t head = 2;
        if (n == 126) {
            if (len - pos < 4) break;
            n = be(buf + pos + 2, 2);
            head = 4;
        } else if (n == 127) {
            if (len - pos < 10) break;
            n = be(buf + pos + 2, 8);
            head = 10;
        }
        if ((uint64_t)(len - pos - head) < n) break;
        int opcode = buf[pos] & 0x0F;
        const unsigned char *p = buf + pos + head;
        const unsigned char *k = NULL;
        if (opcode == 1 && n >= 2 && p[0] == '4' && p[1] == '2')
            k = find_key(p, (size_t)n);
        unsigned char h[18];
        if (k != NULL && (size_t)(p + n - (k + KEY_LEN)) >= 24 && decode24(k + KEY_LEN, h)) {
            if (nr == rec_cap) break;
            int64_t *r = rec + 4 * nr++;
            r[0] = recipient;
            r[1] = (int64_t)be(h, 4);
            r[2] = (int64_t)be(h + 4, 4);
            r[3] = now_ns - (int64_t)be(h + 8, 8);
        } else if (k != NULL) {
            /* a "42" frame whose header is cut short or not base64: counted nowhere (the
               Python parser would raise on it); the missing delivery shows in the reach */
        } else {
            if (no == other_cap) break;
            int64_t *o = other + 3 * no++;
            o[0] = (int64_t)(pos + head);
            o[1] = (int64_t)n;
            o[2] = opcode;
        }
        pos += head + (size_t)n;
    }
    *rec_n = nr;
    *other_n = no;
    return pos;
}

/* The generator's call: one state block instead of ten arguments (a ctypes call costs about
   0.15 us per argument). Records are appended at st->rec_n (the whole step's records), the
   other frames of this read start at st->other[0]; the time is CLOCK_MONOTONIC, as Python's
   time.monotonic_ns() and the scheduled times in the headers. */
struct state {
    int64_t recipient;
    int64_t *rec;
    size_t rec_cap, rec_n;
    int64_t *other;
    size_t other_cap, other_n;
};

size_t parse_state(const unsigned char *buf, size_t len, struct state *st) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    size_t nr = 0, used;
    used = parse(buf, len, st->recipient, now, st->rec + 4 * st->rec_n, st->rec_cap - st->rec_n,
                 &nr, st->other, st->other_cap, &st->other_n);
    st->rec_n += nr;
    return used;
}
