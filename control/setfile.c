/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Set files: the whole file is mapped and scanned once with memchr, each
 * line's prefix is parsed in place (no per-line allocation), and the set
 * grows geometrically, so a million-line blocklist loads in well under a
 * second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prefix.h"
#include "setfile.h"

/* Longest line content (without its comment) that can be a prefix. */
#define SETFILE_LINE_MAX 128

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* User text for a message: printable ASCII, at most 48 bytes. */
static const char *printable(const char *s, size_t len, char *out, size_t size)
{
	return sl_text_shown(s, len, 48, out, size);
}

int sl_setfile_parse(const char *buf, size_t len, const char *name, struct sl_set *set,
		     struct sl_diag *diag)
{
	const char *p = buf, *end = buf + len;
	unsigned long line = 0;
	int err;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next, *hash, *b, *e;
		struct sl_prefix pfx;
		char why[128], shown[64];

		if (!eol)
			eol = end;
		next = eol < end ? eol + 1 : end;
		line++;
		b = p;
		e = eol;
		hash = memchr(b, '#', (size_t)(e - b));
		if (hash)
			e = hash;
		while (b < e && is_space(*b))
			b++;
		while (e > b && is_space(e[-1]))
			e--;
		p = next;
		if (b == e)
			continue;
		if (e - b > SETFILE_LINE_MAX) {
			snprintf(diag->msg, sizeof(diag->msg),
				 "%s:%lu: bad line '%s': longer than %d characters", name, line,
				 printable(b, (size_t)(e - b), shown, sizeof(shown)), SETFILE_LINE_MAX);
			return -EINVAL;
		}
		if (sl_prefix_parse_msg(b, (size_t)(e - b), &pfx, why, sizeof(why))) {
			snprintf(diag->msg, sizeof(diag->msg), "%s:%lu: bad prefix '%s': %s", name,
				 line, printable(b, (size_t)(e - b), shown, sizeof(shown)), why);
			return -EINVAL;
		}
		err = sl_set_add(set, &pfx);
		if (err) {
			snprintf(diag->msg, sizeof(diag->msg), "%s:%lu: out of memory", name, line);
			return err;
		}
	}
	return 0;
}

/* Fills diag for an I/O fault and returns err. */
static int io_fault(struct sl_diag *diag, const char *path, int err)
{
	snprintf(diag->msg, sizeof(diag->msg), "%s: cannot read: %s", path, strerror(-err));
	return err;
}

int sl_setfile_load(const char *path, struct sl_set *set, struct sl_diag *diag)
{
	void *map = MAP_FAILED;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = io_fault(diag, path, -errno);
		goto out;
	}
	if (fstat(fd, &st)) {
		err = io_fault(diag, path, -errno);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(diag->msg, sizeof(diag->msg), "%s: cannot read: not a regular file", path);
		err = -EINVAL;
		goto out;
	}
	if (st.st_size == 0) {
		err = 0;
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = io_fault(diag, path, -errno);
		goto out;
	}
	err = sl_setfile_parse(map, (size_t)st.st_size, path, set, diag);
out:
	if (map != MAP_FAILED)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	return err;
}
