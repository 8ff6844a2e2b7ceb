/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The logger thread of logger.h.
 *
 * Records are encoded straight into large write buffers, one being
 * filled per output ("sink"). A full buffer (or one older than flush_ms)
 * is written at the sink's next offset; several can be in flight, across
 * sinks and within one. Each sink keeps its in-flight buffers in offset
 * order and accounts them only from the front, so a failed write is
 * known before anything after it is counted: on a full disk the file is
 * cut back to the start of the first failed buffer (records are never
 * split across buffers, so the file stays whole), the records of that
 * buffer and of those behind it are counted as dropped, and the sink
 * drops new records for SL_LOG_RETRY_MS before it tries again.
 */
#include "logger.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <limits.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "event.h"
#include "fw.h"
#include "log.h"

#define SL_LOG_RETRY_MS 200      /* a full disk is tried again after this */
#define SL_LOG_IDLE_MS 2         /* longest sleep when there is nothing to do */
#define SL_LOG_CONSUME_BUDGET 4096 /* records per pass over the BPF ring */
#define SL_LOG_RING_BUDGET 4096  /* records per pass over a worker ring */
#define SL_LOG_WALL_REFRESH_NS 1000000000ull
#define SL_LOG_PUBLISH_NS 1000000000ull /* counters into sl_logger_stats */
#define SL_LOG_FLUSH_MAX_NS 2000000000ull /* longest a flush drains the sources */
#define SL_LOG_AUDIT_SLOTS 1024  /* the audit queue: a batch of requests in one datagram fits */
#define SL_LOG_AUDIT_SLOT ((sizeof(struct sl_audit_rec) + SL_SPSC_HDR + 7) & ~(size_t)7)
#define SL_LOG_USER_TTL_NS 10000000000ull /* a resolved user name is reused this long */

enum sink_kind { SINK_JSON = 0, SINK_PCAP = 1, SINK_AUDIT = 2, SINK_COUNT = 3 };

struct lbuf {
	uint8_t *mem;
	uint32_t len;     /* bytes filled */
	uint32_t done;    /* bytes written so far (short writes) */
	uint32_t records;
	uint64_t off;     /* file offset of mem[0] */
	int res;          /* 0 written, else the negative errno of the failure */
	bool complete;
	uint16_t idx;     /* registered buffer index */
	uint8_t sink;     /* enum sink_kind of the sink writing it */
	struct lbuf *next; /* free list, or the sink's in-flight list */
};

struct sink {
	enum sink_kind kind;
	char path[SL_LOG_PATH_LEN];
	int fd;
	uint64_t off;            /* where the next buffer goes */
	uint64_t opened_wall_ns; /* when the current file was started */
	struct lbuf *fill;       /* being filled, NULL when none */
	uint64_t fill_since;     /* monotonic ns of its first record */
	struct lbuf *q_head, *q_tail; /* in flight, in offset order */
	uint32_t inflight;
	uint32_t syncs_inflight;
	bool fault;              /* a buffer failed; cut back once the queue is empty */
	uint64_t fault_off;
	uint64_t blocked_until;  /* monotonic ns; drop new records until then */
	int block_err;           /* the write error that blocked it */
	uint64_t dropped_while_full; /* for the message on recovery */
	bool dirty;              /* written since the last fsync */
	uint64_t last_sync;
	uint64_t *written;       /* the stats counter of its records */
};

struct ring_src {
	struct sl_spsc *ring;
	char name[32];
};

struct sl_logger {
	struct sl_logging_cfg cfg;
	struct sl_pool *pool; /* owns mem when the buffers are placed on a tier */
	pthread_t thread;
	bool thread_started;
	bool stop;           /* atomic */
	uint64_t flush_req;  /* atomic: requests by sl_logger_flush */
	uint64_t flush_done; /* atomic: requests served */

	struct ring_buffer *rb;
	uint32_t rb_budget;
	int log_stats_fd;
	int publish_fd;
	uint64_t published_at;
	struct sl_rule_meta *names;
	uint32_t n_names;
	struct sl_rule_meta *names_next; /* atomic: a newer table from sl_logger_set_names */
	uint32_t n_names_next;           /* written before names_next is published */
	struct ring_src rings[SL_LOGGER_MAX_RINGS];
	uint32_t n_rings; /* atomic: published after the ring is set up */
	struct sl_spsc *audit;  /* the control thread's audit records, with an audit output */
	uint32_t user_uid;      /* the last uid resolved, its name ("" if none) and when */
	char user_name[SL_AUDIT_USER_LEN];
	uint64_t user_at;

	bool uring;
	bool fixed_bufs;
	struct io_uring ring;
	bool ring_ready;
	uint32_t pending_sqes;

	struct lbuf *bufs;
	uint8_t *mem;
	size_t mem_len;
	struct lbuf *free_list;
	uint32_t n_free;

	struct sink sinks[SINK_COUNT];
	bool have[SINK_COUNT];

	int64_t wall_offset;
	uint64_t wall_at;
	uint64_t now; /* monotonic ns at the top of the loop pass */
	int first_err;

	struct sl_logger_stats st; /* updated by the thread with atomic stores */
};

/* ------------------------------------------------------------------ helpers */

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static void refresh_wall(struct sl_logger *lg)
{
	lg->wall_at = clock_ns(CLOCK_MONOTONIC);
	lg->wall_offset = (int64_t)(clock_ns(CLOCK_REALTIME) - lg->wall_at);
}

static void note_err(struct sl_logger *lg, int err)
{
	if (!lg->first_err)
		lg->first_err = err;
}

/* -------------------------------------------------------------- file naming */

/*
 * Rotated files are PATH.YYYYMMDDTHHMMSS.NNNNNNNNNZ: they sort by name in
 * the order they were written.
 */
static int rotated_name(const char *path, uint64_t wall_ns, char *out, size_t size)
{
	time_t t = (time_t)(wall_ns / 1000000000ull);
	struct tm tm;
	int n;

	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	n = snprintf(out, size, "%s.%04d%02d%02dT%02d%02d%02d.%09lluZ", path, tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (unsigned long long)(wall_ns % 1000000000ull));
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool is_rotated(const char *name, const char *base)
{
	size_t bl = strlen(base), i;
	const char *s = name + bl + 1;

	if (strncmp(name, base, bl) || name[bl] != '.' || strlen(s) != 26)
		return false;
	for (i = 0; i < 26; i++) {
		char c = s[i];
		bool digit = c >= '0' && c <= '9';

		if ((i == 8 && c != 'T') || (i == 15 && c != '.') || (i == 25 && c != 'Z') ||
		    (i != 8 && i != 15 && i != 25 && !digit))
			return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the oldest rotated files of path beyond max (0: keep all). */
static int prune(const char *path, uint32_t max)
{
	char dir[SL_LOG_PATH_LEN], full[SL_LOG_PATH_LEN * 2];
	const char *slash = strrchr(path, '/'), *base;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *e;
	DIR *d = NULL;
	int err = 0;

	if (!max || !slash)
		return 0;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
	base = slash + 1;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		if (!is_rotated(e->d_name, base))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **nn = realloc(names, ncap * sizeof(*nn));

			if (!nn) {
				err = -ENOMEM;
				goto out;
			}
			names = nn;
			cap = ncap;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			err = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; n > max && i < n - max; i++) {
		snprintf(full, sizeof(full), "%s/%s", dir, names[i]);
		if (unlink(full) && errno != ENOENT && !err)
			err = -errno;
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d)
		closedir(d);
	return err;
}

/* ------------------------------------------------------------------- buffers */

static struct lbuf *buf_get(struct sl_logger *lg)
{
	struct lbuf *b = lg->free_list;

	if (!b)
		return NULL;
	lg->free_list = b->next;
	lg->n_free--;
	b->next = NULL;
	b->len = b->done = b->records = 0;
	b->res = 0;
	b->complete = false;
	return b;
}

static void buf_put(struct sl_logger *lg, struct lbuf *b)
{
	b->next = lg->free_list;
	lg->free_list = b;
	lg->n_free++;
}

/* ------------------------------------------------------------------------ io */

#define UD_SYNC 1ull /* user_data of an fsync: (sink << 1) | UD_SYNC */

static struct io_uring_sqe *get_sqe(struct sl_logger *lg)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&lg->ring);

	if (!sqe) {
		io_uring_submit(&lg->ring);
		lg->pending_sqes = 0;
		sqe = io_uring_get_sqe(&lg->ring);
	}
	return sqe;
}

static void complete_buf(struct sl_logger *lg, struct sink *s, struct lbuf *b, int res);

/* Starts (or continues, after a short write) the write of b. */
static void write_buf(struct sl_logger *lg, struct sink *s, struct lbuf *b)
{
	uint32_t left = b->len - b->done;

	if (lg->uring) {
		struct io_uring_sqe *sqe = get_sqe(lg);

		if (!sqe) {
			/* The queue is sized for every buffer; this cannot happen. */
			complete_buf(lg, s, b, -EBUSY);
			return;
		}
		if (lg->fixed_bufs)
			io_uring_prep_write_fixed(sqe, (int)s->kind, b->mem + b->done, left,
						  b->off + b->done, b->idx);
		else
			io_uring_prep_write(sqe, (int)s->kind, b->mem + b->done, left,
					    b->off + b->done);
		sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data(sqe, b);
		lg->pending_sqes++;
		return;
	}
	for (;;) {
		ssize_t n = pwrite(s->fd, b->mem + b->done, left, (off_t)(b->off + b->done));

		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			stat_add(&lg->st.retries, 1);
			continue;
		}
		if (n < 0) {
			complete_buf(lg, s, b, -errno);
			return;
		}
		if (n == 0) {
			complete_buf(lg, s, b, -EIO);
			return;
		}
		if ((uint32_t)n < left) {
			stat_add(&lg->st.short_writes, 1);
			b->done += (uint32_t)n;
			left -= (uint32_t)n;
			continue;
		}
		b->done = b->len;
		complete_buf(lg, s, b, 0);
		return;
	}
}

static void start_sync(struct sl_logger *lg, struct sink *s)
{
	s->dirty = false;
	s->last_sync = lg->now;
	stat_add(&lg->st.fsyncs, 1);
	if (lg->uring) {
		struct io_uring_sqe *sqe = get_sqe(lg);

		if (sqe) {
			io_uring_prep_fsync(sqe, (int)s->kind, IORING_FSYNC_DATASYNC);
			sqe->flags |= IOSQE_FIXED_FILE;
			io_uring_sqe_set_data64(sqe, ((uint64_t)s->kind << 1) | UD_SYNC);
			lg->pending_sqes++;
			s->syncs_inflight++;
			return;
		}
	}
	if (fdatasync(s->fd))
		note_err(lg, -errno);
}

/* Counts n records of s lost: to a full disk, or to another write error. */
static void count_drops(struct sl_logger *lg, struct sink *s, uint64_t n)
{
	if (s->kind == SINK_AUDIT)
		stat_add(&lg->st.audit_drop_write, n);
	if (s->fd >= 0 && (!s->block_err || s->block_err == -ENOSPC || s->block_err == -EDQUOT)) {
		stat_add(&lg->st.drop_disk_full, n);
		s->dropped_while_full += n;
	} else {
		stat_add(&lg->st.drop_io_error, n);
	}
}

/* Cuts the file back after a failed write, once nothing is in flight. */
static void settle_fault(struct sl_logger *lg, struct sink *s)
{
	if (!s->fault || s->inflight)
		return;
	if (ftruncate(s->fd, (off_t)s->fault_off))
		note_err(lg, -errno);
	s->off = s->fault_off;
	s->fault = false;
	s->blocked_until = lg->now + SL_LOG_RETRY_MS * 1000000ull;
	/* What was being filled goes too: the sink starts over at fault_off. */
	if (s->fill) {
		count_drops(lg, s, s->fill->records);
		buf_put(lg, s->fill);
		s->fill = NULL;
	}
}

/* Accounts the in-flight buffers of s from the front, in offset order. */
static void advance_queue(struct sl_logger *lg, struct sink *s)
{
	struct lbuf *b;

	while ((b = s->q_head) && b->complete) {
		s->q_head = b->next;
		if (!s->q_head)
			s->q_tail = NULL;
		s->inflight--;
		if (b->res == 0 && !s->fault) {
			s->block_err = 0;
			stat_add(s->written, b->records);
			stat_add(&lg->st.bytes_written, b->len);
			if (s->dropped_while_full) {
				pr_info("%s: writing again after %llu records were dropped on a full disk\n",
					s->path, (unsigned long long)s->dropped_while_full);
				s->dropped_while_full = 0;
			}
			s->dirty = true;
			if (lg->cfg.fsync == SL_FSYNC_BATCH)
				start_sync(lg, s);
		} else {
			/* Behind a failed write, a written buffer is cut off with it. */
			int res = b->res ? b->res : s->block_err;
			bool first = !s->fault;

			if (first) {
				s->fault = true;
				s->fault_off = b->off;
				s->block_err = res;
			}
			if (s->kind == SINK_AUDIT)
				stat_add(&lg->st.audit_drop_write, b->records);
			if (res == -ENOSPC || res == -EDQUOT) {
				if (b->res)
					stat_add(&lg->st.disk_full, 1);
				if (first && !s->dropped_while_full)
					pr_warn("%s: disk full, dropping records until space returns\n",
						s->path);
				stat_add(&lg->st.drop_disk_full, b->records);
				s->dropped_while_full += b->records;
			} else {
				stat_add(&lg->st.drop_io_error, b->records);
				note_err(lg, res);
				if (first)
					pr_warn("%s: write failed: %s\n", s->path, strerror(-res));
			}
		}
		buf_put(lg, b);
	}
	settle_fault(lg, s);
}

static void complete_buf(struct sl_logger *lg, struct sink *s, struct lbuf *b, int res)
{
	stat_add(&lg->st.writes, 1);
	b->res = res;
	b->complete = true;
	advance_queue(lg, s);
}

/* Handles one completion of the io_uring. */
static void on_cqe(struct sl_logger *lg, uint64_t ud, int res)
{
	struct lbuf *b;
	struct sink *s;

	if (ud & UD_SYNC) {
		s = &lg->sinks[(ud >> 1) & 3]; /* a sink_kind: 0 .. SINK_COUNT - 1 */
		s->syncs_inflight--;
		if (res < 0)
			note_err(lg, res);
		return;
	}
	b = (struct lbuf *)(uintptr_t)ud;
	s = &lg->sinks[b->sink];
	if (res == -EAGAIN || res == -EINTR) {
		stat_add(&lg->st.retries, 1);
		write_buf(lg, s, b);
		return;
	}
	if (res > 0 && (uint32_t)res < b->len - b->done) {
		stat_add(&lg->st.short_writes, 1);
		b->done += (uint32_t)res;
		write_buf(lg, s, b);
		return;
	}
	if (res == 0 && b->len > b->done)
		res = -EIO;
	complete_buf(lg, s, b, res < 0 ? res : 0);
}

static void submit(struct sl_logger *lg)
{
	if (lg->uring && lg->pending_sqes) {
		io_uring_submit(&lg->ring);
		lg->pending_sqes = 0;
	}
}

/* Reaps completions; with wait, blocks for at least one (at most wait_ms). */
static void reap(struct sl_logger *lg, int wait_ms)
{
	struct io_uring_cqe *cqe;

	if (!lg->uring)
		return;
	submit(lg);
	if (wait_ms > 0) {
		struct __kernel_timespec ts = { .tv_sec = wait_ms / 1000,
						 .tv_nsec = (wait_ms % 1000) * 1000000ll };

		if (io_uring_wait_cqe_timeout(&lg->ring, &cqe, &ts))
			return;
	}
	while (io_uring_peek_cqe(&lg->ring, &cqe) == 0) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		/* Marked seen before it is handled: handling may resubmit. */
		io_uring_cqe_seen(&lg->ring, cqe);
		on_cqe(lg, ud, res);
	}
	submit(lg);
}

static uint32_t total_inflight(const struct sl_logger *lg)
{
	uint32_t n = 0;
	int k;

	for (k = 0; k < SINK_COUNT; k++)
		n += lg->sinks[k].inflight + lg->sinks[k].syncs_inflight;
	return n;
}

/* ---------------------------------------------------------------------- sinks */

static int open_sink_file(struct sl_logger *lg, struct sink *s)
{
	int fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	s->fd = fd;
	s->off = 0;
	s->opened_wall_ns = clock_ns(CLOCK_REALTIME);
	if (lg->uring && lg->ring_ready) {
		int err = io_uring_register_files_update(&lg->ring, (unsigned)s->kind, &fd, 1);

		if (err < 0)
			return err;
	}
	return 0;
}

/* Renames the file at path to its rotated name and prunes. */
static int rotate_away(struct sl_logger *lg, struct sink *s)
{
	char name[SL_LOG_PATH_LEN + 32];
	int err;

	err = rotated_name(s->path, clock_ns(CLOCK_REALTIME), name, sizeof(name));
	if (err)
		return err;
	if (rename(s->path, name))
		return -errno;
	stat_add(&lg->st.rotations, 1);
	return prune(s->path, lg->cfg.max_files);
}

static void submit_fill(struct sl_logger *lg, struct sink *s)
{
	struct lbuf *b = s->fill;

	if (!b)
		return;
	s->fill = NULL;
	if (!b->len) {
		buf_put(lg, b);
		return;
	}
	b->off = s->off;
	b->sink = (uint8_t)s->kind;
	s->off += b->len;
	b->next = NULL;
	if (s->q_tail)
		s->q_tail->next = b;
	else
		s->q_head = b;
	s->q_tail = b;
	s->inflight++;
	write_buf(lg, s, b);
}

/* Writes what s holds and waits until nothing of s is in flight. */
static void drain_sink(struct sl_logger *lg, struct sink *s)
{
	submit_fill(lg, s);
	while (s->inflight || s->syncs_inflight)
		reap(lg, 100);
}

static void rotate(struct sl_logger *lg, struct sink *s)
{
	int err;

	drain_sink(lg, s);
	if (s->fd < 0)
		return;
	if (lg->cfg.fsync != SL_FSYNC_NONE && s->dirty && fdatasync(s->fd) == 0)
		stat_add(&lg->st.fsyncs, 1);
	s->dirty = false;
	close(s->fd);
	s->fd = -1;
	err = rotate_away(lg, s);
	if (err) {
		note_err(lg, err);
		pr_warn("%s: cannot rotate: %s\n", s->path, strerror(-err));
	}
	err = open_sink_file(lg, s);
	if (err) {
		note_err(lg, err);
		pr_warn("%s: cannot open: %s\n", s->path, strerror(-err));
	}
}

/*
 * Room for len bytes in the buffer being filled for s, or NULL when the
 * record must be dropped (counted by the caller). Waits for a buffer
 * when all are in flight: the logger may wait, its producers never do.
 */
static uint8_t *sink_reserve(struct sl_logger *lg, struct sink *s, uint32_t len)
{
	uint32_t header = s->kind == SINK_PCAP ? SL_PCAP_FILE_HDR_LEN : 0;

	/* A failed write is being settled: what would follow it is lost anyway. */
	if (s->fd < 0 || s->fault)
		return NULL;
	if (s->blocked_until) {
		if (lg->now < s->blocked_until)
			return NULL;
		s->blocked_until = 0;
	}
	if (lg->cfg.rotate_bytes) {
		uint64_t size = s->off + (s->fill ? s->fill->len : 0);

		if (size >= lg->cfg.rotate_bytes && size > header) {
			rotate(lg, s);
			if (s->fd < 0 || s->blocked_until)
				return NULL;
		}
	}
	if (s->fill && s->fill->len + len > lg->cfg.buffer_bytes)
		submit_fill(lg, s);
	if (!s->fill) {
		while (!lg->free_list) {
			if (!lg->uring || !total_inflight(lg))
				return NULL;
			reap(lg, 100);
		}
		/* A fault settled while waiting blocks the sink. */
		if (s->blocked_until || s->fault || s->fd < 0)
			return NULL;
		s->fill = buf_get(lg);
		s->fill_since = lg->now;
		if (s->off == 0 && header) {
			sl_pcap_file_header(s->fill->mem, lg->cfg.buffer_bytes);
			s->fill->len = header;
		}
	}
	return s->fill->mem + s->fill->len;
}

static void sink_commit(struct sink *s, uint32_t len)
{
	s->fill->len += len;
	s->fill->records++;
}

/* ------------------------------------------------------------------- records */

static void handle_record(struct sl_logger *lg, const char *source, const void *rec, size_t len)
{
	struct sl_json_ctx jc = {
		.source = source,
		.wall_offset_ns = lg->wall_offset,
		.names = lg->names,
		.n_names = lg->n_names,
	};
	struct sl_event_view v;
	struct sink *s;
	uint8_t *p;
	int n;

	stat_add(&lg->st.records, 1);
	if (sl_event_decode(rec, len, &v)) {
		stat_add(&lg->st.drop_decode, 1);
		return;
	}
	if (lg->have[SINK_JSON]) {
		s = &lg->sinks[SINK_JSON];
		p = sink_reserve(lg, s, SL_JSON_LINE_MAX);
		n = p ? sl_event_json(&v, &jc, (char *)p, SL_JSON_LINE_MAX) : 0;
		if (n > 0)
			sink_commit(s, (uint32_t)n);
		else if (n < 0)
			stat_add(&lg->st.drop_decode, 1);
		else
			count_drops(lg, s, 1);
	}
	if (lg->have[SINK_PCAP] && v.ev.cap_len) {
		uint32_t need = SL_PCAP_REC_HDR_LEN + v.ev.cap_len;

		s = &lg->sinks[SINK_PCAP];
		p = sink_reserve(lg, s, need);
		n = p ? sl_pcap_record(&v, lg->wall_offset, p, need) : 0;
		if (n > 0)
			sink_commit(s, (uint32_t)n);
		else if (n < 0)
			stat_add(&lg->st.drop_decode, 1);
		else
			count_drops(lg, s, 1);
	}
}

/* The name of uid, from a one-entry cache: audit records come in runs of one user. */
static const char *audit_user(struct sl_logger *lg, uint32_t uid)
{
	if (!lg->user_at || lg->user_uid != uid || lg->now - lg->user_at >= SL_LOG_USER_TTL_NS) {
		sl_audit_user_name(uid, lg->user_name, sizeof(lg->user_name));
		lg->user_uid = uid;
		lg->user_at = lg->now ? lg->now : 1;
	}
	return lg->user_name[0] ? lg->user_name : NULL;
}

static void handle_audit(struct sl_logger *lg, const void *rec, uint32_t len)
{
	struct sink *s = &lg->sinks[SINK_AUDIT];
	struct sl_audit_rec r;
	uint8_t *p;
	int n;

	stat_add(&lg->st.audit_records, 1);
	if (len != sizeof(r)) {
		stat_add(&lg->st.drop_decode, 1);
		return;
	}
	memcpy(&r, rec, sizeof(r));
	p = sink_reserve(lg, s, SL_AUDIT_LINE_MAX);
	n = p ? sl_audit_json(&r, audit_user(lg, r.uid), (char *)p, SL_AUDIT_LINE_MAX) : 0;
	if (n > 0)
		sink_commit(s, (uint32_t)n);
	else if (n < 0)
		stat_add(&lg->st.drop_decode, 1);
	else
		count_drops(lg, s, 1);
}

static int rb_sample(void *ctx, void *data, size_t len)
{
	struct sl_logger *lg = ctx;

	handle_record(lg, "xdp", data, len);
	/*
	 * A negative return stops libbpf after this record (which counts as
	 * consumed), so the workers' rings get their turn under load.
	 */
	if (++lg->rb_budget >= SL_LOG_CONSUME_BUDGET) {
		lg->rb_budget = 0;
		return -EAGAIN;
	}
	return 0;
}

/* One pass over every source; returns the records taken. */
static uint64_t drain_sources(struct sl_logger *lg)
{
	uint64_t before = lg->st.records + lg->st.audit_records;
	uint32_t i, n, nr = __atomic_load_n(&lg->n_rings, __ATOMIC_ACQUIRE);
	struct sl_rule_meta *fresh = __atomic_exchange_n(&lg->names_next, NULL, __ATOMIC_ACQ_REL);

	if (fresh) {
		/* A new policy generation: rules are named by stats slot from now on. */
		free(lg->names);
		lg->names = fresh;
		lg->n_names = __atomic_load_n(&lg->n_names_next, __ATOMIC_RELAXED);
	}
	if (lg->rb)
		ring_buffer__consume(lg->rb);
	for (i = 0; i < nr; i++) {
		struct ring_src *r = &lg->rings[i];
		const void *rec;
		uint32_t len;

		for (n = 0; n < SL_LOG_RING_BUDGET && (rec = sl_spsc_peek(r->ring, &len)); n++) {
			handle_record(lg, r->name, rec, len);
			sl_spsc_release(r->ring);
		}
	}
	if (lg->audit) {
		const void *rec;
		uint32_t len;

		for (n = 0; n < SL_LOG_RING_BUDGET && (rec = sl_spsc_peek(lg->audit, &len)); n++) {
			handle_audit(lg, rec, len);
			sl_spsc_release(lg->audit);
		}
	}
	return lg->st.records + lg->st.audit_records - before;
}

/* The counters into the sl_logger_stats map, for sluicectl. */
static void publish(struct sl_logger *lg)
{
	struct sl_logger_counters c;
	struct sl_logger_stats st;
	uint32_t key = 0;

	lg->published_at = lg->now;
	if (lg->publish_fd < 0)
		return;
	sl_logger_stats(lg, &st);
	memset(&c, 0, sizeof(c));
	c.v[SL_LOGGER_RECORDS] = st.records;
	c.v[SL_LOGGER_JSON_WRITTEN] = st.json_written;
	c.v[SL_LOGGER_PCAP_WRITTEN] = st.pcap_written;
	c.v[SL_LOGGER_BYTES_WRITTEN] = st.bytes_written;
	c.v[SL_LOGGER_DROP_DISK_FULL] = st.drop_disk_full;
	c.v[SL_LOGGER_DROP_IO_ERROR] = st.drop_io_error;
	c.v[SL_LOGGER_DROP_DECODE] = st.drop_decode;
	c.v[SL_LOGGER_DROP_RING_FULL] = st.ring_drops;
	c.v[SL_LOGGER_DISK_FULL] = st.disk_full;
	c.v[SL_LOGGER_ROTATIONS] = st.rotations;
	c.v[SL_LOGGER_AUDIT_RECORDS] = st.audit_records;
	c.v[SL_LOGGER_AUDIT_WRITTEN] = st.audit_written;
	c.v[SL_LOGGER_DROP_AUDIT_QUEUE] = st.audit_drop_queue;
	c.v[SL_LOGGER_DROP_AUDIT_WRITE] = st.audit_drop_write;
	bpf_map_update_elem(lg->publish_fd, &key, &c, BPF_ANY);
}

/* Flush, fsync and age rotation, by the clock. */
static void timers(struct sl_logger *lg)
{
	uint64_t flush_ns = (uint64_t)lg->cfg.flush_ms * 1000000ull;
	uint64_t sync_ns = (uint64_t)lg->cfg.fsync_interval_ms * 1000000ull;
	int k;

	if (lg->now - lg->wall_at >= SL_LOG_WALL_REFRESH_NS)
		refresh_wall(lg);
	if (lg->now - lg->published_at >= SL_LOG_PUBLISH_NS)
		publish(lg);
	for (k = 0; k < SINK_COUNT; k++) {
		struct sink *s = &lg->sinks[k];
		uint32_t header = s->kind == SINK_PCAP ? SL_PCAP_FILE_HDR_LEN : 0;

		if (!lg->have[k])
			continue;
		if (s->fill && s->fill->len && lg->now - s->fill_since >= flush_ns)
			submit_fill(lg, s);
		if (lg->cfg.fsync == SL_FSYNC_INTERVAL && s->dirty && !s->syncs_inflight &&
		    lg->now - s->last_sync >= sync_ns)
			start_sync(lg, s);
		if (lg->cfg.rotate_seconds && s->fd >= 0 &&
		    s->off + (s->fill ? s->fill->len : 0) > header &&
		    clock_ns(CLOCK_REALTIME) - s->opened_wall_ns >=
			    (uint64_t)lg->cfg.rotate_seconds * 1000000000ull)
			rotate(lg, s);
	}
}

static void idle_wait(struct sl_logger *lg)
{
	if (lg->uring && total_inflight(lg)) {
		reap(lg, SL_LOG_IDLE_MS);
		return;
	}
	if (lg->rb && !__atomic_load_n(&lg->n_rings, __ATOMIC_ACQUIRE)) {
		struct epoll_event ev;

		epoll_wait(ring_buffer__epoll_fd(lg->rb), &ev, 1, SL_LOG_IDLE_MS);
		return;
	}
	usleep(SL_LOG_IDLE_MS * 1000 / 2);
}

/* Everything out: the sources, the fill buffers, in-flight writes. */
static void flush_all(struct sl_logger *lg)
{
	uint64_t end;
	int k;

	/* Bounded: producers that never pause must not keep a stop waiting. */
	lg->now = clock_ns(CLOCK_MONOTONIC);
	end = lg->now + SL_LOG_FLUSH_MAX_NS;
	while (drain_sources(lg) && lg->now < end)
		lg->now = clock_ns(CLOCK_MONOTONIC);
	for (k = 0; k < SINK_COUNT; k++)
		if (lg->have[k])
			drain_sink(lg, &lg->sinks[k]);
	publish(lg);
}

static void *logger_main(void *arg)
{
	struct sl_logger *lg = arg;

	while (!__atomic_load_n(&lg->stop, __ATOMIC_ACQUIRE)) {
		uint64_t req = __atomic_load_n(&lg->flush_req, __ATOMIC_ACQUIRE);
		uint64_t got;

		lg->now = clock_ns(CLOCK_MONOTONIC);
		got = drain_sources(lg);
		timers(lg);
		reap(lg, 0);
		if (req != __atomic_load_n(&lg->flush_done, __ATOMIC_RELAXED)) {
			flush_all(lg);
			__atomic_store_n(&lg->flush_done, req, __ATOMIC_RELEASE);
			continue;
		}
		if (!got)
			idle_wait(lg);
	}
	flush_all(lg);
	return NULL;
}

/* -------------------------------------------------------------------- set up */

static int setup_uring(struct sl_logger *lg)
{
	struct iovec *iov = NULL;
	int fds[SINK_COUNT], err, k;
	uint32_t i, depth = 8;

	while (depth < 2 * lg->cfg.buffers + 2 * SINK_COUNT + 8)
		depth *= 2;
	err = io_uring_queue_init(depth, &lg->ring, 0);
	if (err < 0)
		return err;
	lg->ring_ready = true;
	for (k = 0; k < SINK_COUNT; k++)
		fds[k] = lg->have[k] ? lg->sinks[k].fd : -1;
	err = io_uring_register_files(&lg->ring, fds, SINK_COUNT);
	if (err < 0)
		goto out;
	iov = calloc(lg->cfg.buffers, sizeof(*iov));
	if (!iov) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < lg->cfg.buffers; i++) {
		iov[i].iov_base = lg->bufs[i].mem;
		iov[i].iov_len = lg->cfg.buffer_bytes;
	}
	/* Registered buffers save a page walk per write; without them plain writes do. */
	lg->fixed_bufs = io_uring_register_buffers(&lg->ring, iov, lg->cfg.buffers) == 0;
	if (!lg->fixed_bufs)
		pr_debug("logger: io_uring buffer registration refused, using plain writes\n");
	err = 0;
out:
	free(iov);
	if (err) {
		io_uring_queue_exit(&lg->ring);
		lg->ring_ready = false;
	}
	return err;
}

static int open_sink(struct sl_logger *lg, enum sink_kind kind, const char *path)
{
	struct sink *s = &lg->sinks[kind];
	struct stat st;
	int err;

	s->kind = kind;
	s->fd = -1;
	s->written = kind == SINK_JSON ? &lg->st.json_written
		     : kind == SINK_PCAP ? &lg->st.pcap_written
					 : &lg->st.audit_written;
	if (!path[0])
		return 0;
	snprintf(s->path, sizeof(s->path), "%s", path);
	lg->have[kind] = true;
	/* A file of an earlier run is kept, rotated away, never appended to. */
	if (stat(path, &st) == 0 && st.st_size > 0) {
		err = rotate_away(lg, s);
		if (err)
			return err;
	}
	return open_sink_file(lg, s);
}

/* The write buffers: a placed pool when the sources give a topology. */
static int alloc_buffers(struct sl_logger *lg, const struct sl_logger_sources *src)
{
	struct sl_diag diag = { { 0 } };
	struct sl_pool_req req = { .name = "log_buffers", .size = lg->mem_len, .auto_capacity = true };
	int err;

	if (!src || !src->topo || !src->buffers) {
		if (posix_memalign((void **)&lg->mem, 4096, lg->mem_len)) {
			lg->mem = NULL;
			return -ENOMEM;
		}
		return 0;
	}
	req.tier = src->buffers->tier;
	req.huge_pages = src->buffers->huge_pages;
	req.strict = src->strict;
	err = sl_pool_create(src->topo, &req, &lg->pool, &diag);
	if (err) {
		pr_warn("logger: %s\n", diag.msg);
		return err;
	}
	lg->mem = lg->pool->base;
	return 0;
}

const struct sl_pool *sl_logger_buffers_pool(const struct sl_logger *lg)
{
	return lg ? lg->pool : NULL;
}

int sl_logger_start(const struct sl_logging_cfg *cfg, const struct sl_logger_sources *src,
		    struct sl_logger **out)
{
	struct sl_logger *lg;
	const char *env;
	uint32_t i;
	int err;

	*out = NULL;
	if (!cfg->json_path[0] && !cfg->pcap_path[0] && !cfg->audit_path[0])
		return -EINVAL;
	if (cfg->buffers < 2 || cfg->buffer_bytes < 4096 || cfg->buffers > 1024)
		return -EINVAL;
	lg = calloc(1, sizeof(*lg));
	if (!lg)
		return -ENOMEM;
	lg->cfg = *cfg;
	lg->cfg.buffer_bytes = (cfg->buffer_bytes + 4095) & ~4095u;
	if (!lg->cfg.flush_ms)
		lg->cfg.flush_ms = 100;
	if (!lg->cfg.fsync_interval_ms)
		lg->cfg.fsync_interval_ms = 1000;
	if (!lg->cfg.worker_ring_slots)
		lg->cfg.worker_ring_slots = 4096;
	lg->log_stats_fd = src ? src->log_stats_fd : -1;
	lg->publish_fd = src ? src->publish_fd : -1;
	lg->sinks[SINK_JSON].fd = lg->sinks[SINK_PCAP].fd = lg->sinks[SINK_AUDIT].fd = -1;
	refresh_wall(lg);

	if (src && src->names && src->n_names) {
		lg->names = calloc(src->n_names, sizeof(*lg->names));
		if (!lg->names) {
			err = -ENOMEM;
			goto fail;
		}
		memcpy(lg->names, src->names, src->n_names * sizeof(*lg->names));
		lg->n_names = src->n_names;
	}

	lg->mem_len = (size_t)lg->cfg.buffers * lg->cfg.buffer_bytes;
	err = alloc_buffers(lg, src);
	if (err)
		goto fail;
	lg->bufs = calloc(lg->cfg.buffers, sizeof(*lg->bufs));
	if (!lg->bufs) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < lg->cfg.buffers; i++) {
		lg->bufs[i].mem = lg->mem + (size_t)i * lg->cfg.buffer_bytes;
		lg->bufs[i].idx = (uint16_t)i;
		buf_put(lg, &lg->bufs[i]);
	}

	err = open_sink(lg, SINK_JSON, cfg->json_path);
	if (!err)
		err = open_sink(lg, SINK_PCAP, cfg->pcap_path);
	if (!err)
		err = open_sink(lg, SINK_AUDIT, cfg->audit_path);
	if (err) {
		pr_warn("logger: cannot open %s: %s\n",
			lg->sinks[SINK_AUDIT].path[0] ? lg->sinks[SINK_AUDIT].path
			: lg->sinks[SINK_PCAP].path[0] ? lg->sinks[SINK_PCAP].path : cfg->json_path,
			strerror(-err));
		goto fail;
	}
	if (lg->have[SINK_AUDIT]) {
		err = sl_spsc_create(SL_LOG_AUDIT_SLOTS, (uint32_t)SL_LOG_AUDIT_SLOT, &lg->audit);
		if (err)
			goto fail;
	}

	env = getenv("SLUICE_LOG_PWRITE");
	if (cfg->io == SL_LOG_IO_PWRITE || (env && env[0] == '1')) {
		pr_info("logger: writing with pwrite (%s)\n",
			cfg->io == SL_LOG_IO_PWRITE ? "logging.io: pwrite" : "SLUICE_LOG_PWRITE=1");
	} else {
		err = setup_uring(lg);
		if (err)
			pr_warn("logger: io_uring is not available (%s), writing with pwrite\n",
				strerror(-err));
		else
			lg->uring = true;
	}
	lg->st.io_uring = lg->uring;

	if (src && src->events_fd >= 0) {
		lg->rb = ring_buffer__new(src->events_fd, rb_sample, lg, NULL);
		if (!lg->rb) {
			err = -errno;
			pr_warn("logger: cannot open the event ring buffer: %s\n", strerror(-err));
			goto fail;
		}
	}
	err = pthread_create(&lg->thread, NULL, logger_main, lg);
	if (err) {
		err = -err;
		goto fail;
	}
	lg->thread_started = true;
	*out = lg;
	return 0;
fail:
	sl_logger_stop(lg);
	return err;
}

int sl_logger_add_ring(struct sl_logger *lg, const char *name, uint32_t slot_size,
		       struct sl_spsc **out)
{
	uint32_t n = __atomic_load_n(&lg->n_rings, __ATOMIC_ACQUIRE);
	struct ring_src *r;
	int err;

	*out = NULL;
	if (n >= SL_LOGGER_MAX_RINGS)
		return -ENOSPC;
	if (!name || strlen(name) >= sizeof(r->name))
		return -EINVAL;
	r = &lg->rings[n];
	err = sl_spsc_create(lg->cfg.worker_ring_slots, slot_size, &r->ring);
	if (err)
		return err;
	snprintf(r->name, sizeof(r->name), "%s", name);
	/* Published last: the logger thread reads n_rings with acquire. */
	__atomic_store_n(&lg->n_rings, n + 1, __ATOMIC_RELEASE);
	*out = r->ring;
	return 0;
}

int sl_logger_audit(struct sl_logger *lg, const struct sl_audit_rec *r)
{
	if (!lg || !lg->audit)
		return -ENODEV;
	return sl_spsc_push(lg->audit, r, sizeof(*r));
}

int sl_logger_flush(struct sl_logger *lg, int timeout_ms)
{
	uint64_t req = __atomic_add_fetch(&lg->flush_req, 1, __ATOMIC_ACQ_REL);
	uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)timeout_ms * 1000000ull;

	while ((int64_t)(__atomic_load_n(&lg->flush_done, __ATOMIC_ACQUIRE) - req) < 0) {
		if (clock_ns(CLOCK_MONOTONIC) > end)
			return -ETIMEDOUT;
		usleep(500);
	}
	return 0;
}

void sl_logger_stats(const struct sl_logger *lg, struct sl_logger_stats *out)
{
	const uint64_t *src = (const uint64_t *)&lg->st;
	uint64_t *dst = (uint64_t *)out;
	uint32_t i, n = __atomic_load_n(&lg->n_rings, __ATOMIC_ACQUIRE);
	size_t k;

	for (k = 0; k < offsetof(struct sl_logger_stats, io_uring) / sizeof(uint64_t); k++)
		dst[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
	out->io_uring = lg->st.io_uring;
	out->ring_drops = 0;
	for (i = 0; i < n; i++)
		out->ring_drops += sl_spsc_drops(lg->rings[i].ring);
	out->audit_drop_queue = lg->audit ? sl_spsc_drops(lg->audit) : 0;
}

int sl_log_stats_read(int fd, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	uint64_t *vals;
	uint32_t key;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < SL_LOG_STAT_COUNT; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(fd, &key, vals)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			out[key] += vals[cpu];
	}
	free(vals);
	return err;
}

int sl_logger_stop(struct sl_logger *lg)
{
	struct sl_logger_stats st;
	uint64_t bpf[SL_LOG_STAT_COUNT];
	uint32_t i;
	int err, k;

	if (!lg)
		return 0;
	if (lg->thread_started) {
		__atomic_store_n(&lg->stop, true, __ATOMIC_RELEASE);
		pthread_join(lg->thread, NULL);
		sl_logger_stats(lg, &st);
		if (lg->log_stats_fd >= 0 && !sl_log_stats_read(lg->log_stats_fd, bpf))
			pr_info("logger: xdp emitted %llu events, lost %llu (ring full) and %llu "
				"(rate limit)\n",
				(unsigned long long)bpf[SL_LOG_STAT_EMITTED],
				(unsigned long long)bpf[SL_LOG_STAT_RING_FULL],
				(unsigned long long)bpf[SL_LOG_STAT_RATE_LIMITED]);
		pr_info("logger: %llu records, %llu JSON lines and %llu pcap records written; "
			"dropped %llu (disk full), %llu (I/O error), %llu (malformed), %llu (worker rings)\n",
			(unsigned long long)st.records, (unsigned long long)st.json_written,
			(unsigned long long)st.pcap_written, (unsigned long long)st.drop_disk_full,
			(unsigned long long)st.drop_io_error, (unsigned long long)st.drop_decode,
			(unsigned long long)st.ring_drops);
		if (lg->audit)
			pr_info("logger: %llu audit records, %llu written; dropped %llu (queue full), "
				"%llu (write errors)\n",
				(unsigned long long)st.audit_records,
				(unsigned long long)st.audit_written,
				(unsigned long long)st.audit_drop_queue,
				(unsigned long long)st.audit_drop_write);
	}
	for (k = 0; k < SINK_COUNT; k++) {
		struct sink *s = &lg->sinks[k];

		if (s->fd < 0)
			continue;
		if (lg->cfg.fsync != SL_FSYNC_NONE && s->dirty && fdatasync(s->fd))
			note_err(lg, -errno);
		close(s->fd);
	}
	if (lg->ring_ready)
		io_uring_queue_exit(&lg->ring);
	ring_buffer__free(lg->rb);
	for (i = 0; i < lg->n_rings; i++)
		sl_spsc_destroy(lg->rings[i].ring);
	sl_spsc_destroy(lg->audit);
	err = lg->first_err;
	free(lg->bufs);
	if (lg->pool)
		sl_pool_destroy(lg->pool);
	else
		free(lg->mem);
	free(lg->names);
	free(__atomic_load_n(&lg->names_next, __ATOMIC_ACQUIRE));
	free(lg);
	return err;
}

int sl_logger_set_names(struct sl_logger *lg, const struct sl_rule_meta *names, uint32_t n)
{
	struct sl_rule_meta *copy, *old;

	if (!lg)
		return 0;
	copy = calloc(n ? n : 1, sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	if (n)
		memcpy(copy, names, n * sizeof(*copy));
	/* The thread takes the table with an exchange; a table it has not
	 * taken yet is replaced (and freed) here. Both sides only exchange,
	 * so each table is freed exactly once. n is read after the thread's
	 * exchange, so a table and its count always come from one call as
	 * long as calls are not concurrent (sluiced makes them from its
	 * control thread only). */
	__atomic_store_n(&lg->n_names_next, n, __ATOMIC_RELAXED);
	old = __atomic_exchange_n(&lg->names_next, copy, __ATOMIC_ACQ_REL);
	free(old);
	return 0;
}
