/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded appender for the JSON lines the logger writes (events.c,
 * audit.c). Hand-rolled rather than printf: the logger encodes a million
 * lines a second. The first overflow sticks in err (-ENOSPC) and every
 * later append is a no-op, so a caller checks once at the end.
 */
#ifndef SLUICE_JSONOUT_H
#define SLUICE_JSONOUT_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

struct sl_jout {
	char *p;
	size_t size;
	size_t len;
	int err;
};

static inline void sl_jout_mem(struct sl_jout *o, const char *s, size_t n)
{
	if (o->err || n > o->size - o->len) {
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void sl_jout_cstr(struct sl_jout *o, const char *s)
{
	sl_jout_mem(o, s, strlen(s));
}

/*
 * A JSON string of at most max bytes of s (stops at a NUL): printable
 * ASCII is kept, '"' and '\' are escaped, every other byte is \u00XX, so
 * the line is ASCII whatever a packet or a client put in the text.
 */
static inline void sl_jout_str(struct sl_jout *o, const char *s, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	sl_jout_mem(o, "\"", 1);
	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };

			sl_jout_mem(o, e, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			sl_jout_mem(o, e, 6);
		} else {
			sl_jout_mem(o, (const char *)&c, 1);
		}
	}
	sl_jout_mem(o, "\"", 1);
}

#endif /* SLUICE_JSONOUT_H */
