/*
 * worker.c: a node for snbench in C, the floor -- no runtime, no threads,
 * blocking reads and writes on stdin and stdout. It serves the doubling
 * workload over the node protocol, version 1 (docs/protocol.md).
 *
 *   cc -O2 -o worker examples/workers/c/worker.c
 *   snbench run --exec c=./worker --baselines
 *   snbench check-worker -- ./worker
 *
 * It reads as much as the pipe holds into one buffer, answers every whole
 * frame in it into an output buffer, and writes that out only when no
 * whole frame is left to answer: one write per burst, as snbench's own
 * node does. Every header is checked before its body is read, and a frame
 * is never larger than the limit of its phase (4 KiB before the Welcome,
 * 64 MiB after). It refuses cpu and wait in the workload spec (it does not
 * burn or sleep), and a workload other than doubling, with an Error frame.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { HELLO = 1, WELCOME, TASKS, RESULTS, STATS_REQUEST, STATS, ERROR, BYE };
enum { HEADER = 16, MAX_HANDSHAKE = 4 << 10, MAX_FRAME = 64 << 20, MAX_PAYLOAD = 1 << 16 };

static unsigned char *in, *out;
static size_t in_len, in_cap, out_len, out_cap;
static size_t max_frame = MAX_HANDSHAKE;
static uint64_t served;
static const char *name = "c-worker";

static uint32_t le32(const unsigned char *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put32(unsigned char *p, uint32_t v) {
	for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v) {
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void die(const char *why) {
	fprintf(stderr, "%s: %s\n", name, why);
	exit(1);
}

static void *grow(unsigned char *buf, size_t *cap, size_t need) {
	if (need <= *cap) return buf;
	size_t c = *cap ? *cap : 1 << 16;
	while (c < need) c *= 2;
	unsigned char *b = realloc(buf, c);
	if (!b) die("out of memory");
	*cap = c;
	return b;
}

static void flush_out(void) {
	size_t off = 0;
	while (off < out_len) {
		ssize_t n = write(1, out + off, out_len - off);
		if (n < 0 && errno == EINTR) continue;
		if (n <= 0) exit(0); /* the coordinator has gone */
		off += (size_t)n;
	}
	out_len = 0;
}

/* append_frame reserves a frame of body length n in the output buffer and
 * returns a pointer to its body. */
static unsigned char *append_frame(int type, uint32_t count, uint32_t aux, size_t n) {
	out = grow(out, &out_cap, out_len + HEADER + n);
	unsigned char *h = out + out_len;
	h[0] = 'S', h[1] = 'B', h[2] = 1, h[3] = (unsigned char)type;
	put32(h + 4, count);
	put32(h + 8, aux);
	put32(h + 12, (uint32_t)n);
	out_len += HEADER + n;
	return h + HEADER;
}

static void refuse(const char *why) {
	size_t n = strlen(why);
	if (n > 1024) n = 1024;
	memcpy(append_frame(ERROR, 0, 0, n), why, n);
	flush_out();
	die(why);
}

/* need makes sure n bytes are buffered at offset 0, reading (and first
 * writing out what is answered) as needed; it returns 0 at a clean end of
 * the stream. */
static int need(size_t n) {
	while (in_len < n) {
		flush_out();
		in = grow(in, &in_cap, n > in_cap ? n : in_cap);
		ssize_t r = read(0, in + in_len, in_cap - in_len);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) die("reading stdin");
		if (r == 0) {
			if (in_len) die("the stream ended inside a frame");
			return 0;
		}
		in_len += (size_t)r;
	}
	return 1;
}

static int64_t now_ns(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* json_after returns the text after "key": in s (a body of n bytes, not
 * NUL-terminated), or NULL. Enough for the Hello's flat fields. */
static const char *json_after(const char *s, size_t n, const char *key) {
	size_t k = strlen(key);
	for (size_t i = 0; i + k + 3 <= n; i++) {
		if (s[i] == '"' && memcmp(s + i + 1, key, k) == 0 && s[i + 1 + k] == '"') {
			size_t j = i + k + 2;
			while (j < n && (s[j] == ' ' || s[j] == ':')) j++;
			return j < n ? s + j : NULL;
		}
	}
	return NULL;
}

static void handshake(const unsigned char *body, size_t n) {
	char hello[MAX_HANDSHAKE + 1];
	memcpy(hello, body, n);
	hello[n] = 0;
	const char *w = strstr(hello, "\"workload\"");
	if (!w) refuse("handshake: a hello without a workload");
	size_t wn = strlen(w);
	const char *v = json_after(w, wn, "name");
	if (!v || strncmp(v, "\"doubling\"", 10) != 0) refuse("handshake: unknown workload (known: [doubling])");
	long payload = 1;
	if ((v = json_after(w, wn, "payload"))) payload = strtol(v, NULL, 10);
	if (payload < 1 || payload > MAX_PAYLOAD) refuse("handshake: payload outside 1 to 65536");
	if (json_after(w, wn, "cpu") || json_after(w, wn, "wait"))
		refuse("handshake: this worker serves doubling without cpu or wait");
	char welcome[256];
	int len = snprintf(welcome, sizeof welcome, "{\"node\":\"%.64s\",\"pid\":%d,\"go_version\":\"c\"}", name, (int)getpid());
	memcpy(append_frame(WELCOME, 0, 0, (size_t)len), welcome, (size_t)len);
	flush_out();
	max_frame = MAX_FRAME;
}

static void answer_tasks(uint32_t count, uint32_t k, const unsigned char *body) {
	int64_t start = now_ns();
	size_t row = 8 + 8 * (size_t)k;
	unsigned char *r = append_frame(RESULTS, count, k, 16 + count * row);
	memcpy(r, body, 8); /* the tag */
	const unsigned char *src = body + 8;
	unsigned char *dst = r + 16;
	for (uint32_t i = 0; i < count; i++) {
		memcpy(dst, src, 8); /* the id */
		for (uint32_t j = 0; j < k; j++) {
			uint64_t x = le64(src + 8 + 8 * j);
			put64(dst + 8 + 8 * j, x * 2); /* doubled, wrapping around */
		}
		src += row, dst += row;
	}
	put64(r + 8, (uint64_t)(now_ns() - start));
	served += count;
}

static void answer_stats(void) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	char s[256];
	int len = snprintf(s, sizeof s, "{\"user_ns\":%lld,\"sys_ns\":%lld,\"max_rss_kb\":%ld,\"tasks\":%llu}",
	                   (long long)ru.ru_utime.tv_sec * 1000000000LL + ru.ru_utime.tv_usec * 1000LL,
	                   (long long)ru.ru_stime.tv_sec * 1000000000LL + ru.ru_stime.tv_usec * 1000LL,
	                   ru.ru_maxrss, (unsigned long long)served);
	memcpy(append_frame(STATS, 0, 0, (size_t)len), s, (size_t)len);
}

int main(void) {
	const char *env = getenv("SNBENCH_NODE_NAME");
	if (env && *env) name = env;
	int welcomed = 0;
	size_t off = 0; /* start of the next frame in the input buffer */
	for (;;) {
		if (in_len - off < HEADER || in_len - off < HEADER + le32(in + off + 12)) {
			/* Move what is left of the buffer to its start, then read. */
			memmove(in, in + off, in_len - off);
			in_len -= off, off = 0;
			if (!need(HEADER)) break;
		}
		const unsigned char *h = in + off;
		if (h[0] != 'S' || h[1] != 'B') refuse("bad magic");
		if (h[2] != 1) refuse("protocol version is not 1");
		int type = h[3];
		uint32_t count = le32(h + 4), k = le32(h + 8), n = le32(h + 12);
		if ((size_t)n + HEADER > max_frame) refuse("a frame over the limit");
		if (type == TASKS) {
			if (k > MAX_PAYLOAD || (count > 0 && k == 0) || (uint64_t)n != 8 + (uint64_t)count * (8 + 8 * (uint64_t)k))
				refuse("a tasks frame whose count, K and length disagree");
		} else if (count || k) {
			refuse("a frame with a count or K that takes none");
		}
		if (in_len - off < HEADER + (size_t)n) {
			memmove(in, in + off, in_len - off);
			in_len -= off, off = 0;
			if (!need(HEADER + (size_t)n)) die("the stream ended inside a frame");
			h = in;
		}
		const unsigned char *body = h + HEADER;
		off += HEADER + (size_t)n;
		if (!welcomed) {
			if (type != HELLO) refuse("handshake: want a hello");
			handshake(body, n);
			welcomed = 1;
			continue;
		}
		switch (type) {
		case TASKS:
			answer_tasks(count, k, body);
			break;
		case STATS_REQUEST:
			answer_stats();
			break;
		case BYE:
		case ERROR:
			flush_out();
			return 0;
		default:
			refuse("unexpected frame type");
		}
	}
	flush_out();
	return 0;
}
