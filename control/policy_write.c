/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The policy as a config file (policy.h): what sluiced saves after every
 * change, and the text its hash is computed over. The output is read back
 * by config.c, the only config reader, so the saved state and a config
 * written by hand are one format.
 */
#include "policy.h"
#include "prefix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where the text goes: a file, the hash, or both. */
struct sink {
	FILE *f;
	uint64_t hash;
	int err;
};

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static void put_bytes(struct sink *s, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		s->hash ^= (uint8_t)b[i];
		s->hash *= FNV_PRIME;
	}
	if (s->f && !s->err && fwrite_unlocked(b, 1, n, s->f) != n)
		s->err = -EIO;
}

static void __attribute__((format(printf, 2, 3))) put(struct sink *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		s->err = -EOVERFLOW;
		return;
	}
	put_bytes(s, buf, (size_t)n);
}

/* ADDR/LEN between quotes (sl_prefix_format: no printf per prefix). */
static void put_prefix(struct sink *s, const struct sl_prefix *p, const char *quote)
{
	char buf[SL_PREFIX_TEXT_MAX + 8];
	size_t q = strlen(quote), n;

	if (q > 1 || (p->family != AF_INET && p->family != AF_INET6)) {
		s->err = -EINVAL;
		return;
	}
	memcpy(buf, quote, q);
	n = q + strlen(sl_prefix_format(p, buf + q, sizeof(buf) - 2 * q));
	memcpy(buf + n, quote, q);
	put_bytes(s, buf, n + q);
}

static const char *policy_word(uint8_t pol)
{
	switch (pol) {
	case SL_POLICY_PASS:
		return "accept";
	case SL_POLICY_DROP:
		return "drop";
	default:
		return "rules";
	}
}

static void put_settings(struct sink *s, const struct sl_config *cfg)
{
	put(s, "settings:\n");
	put(s, "  default_policy: %s\n", cfg->default_verdict == SL_VERDICT_PASS ? "accept" : "drop");
	put(s, "  malformed: %s\n", policy_word(cfg->malformed_policy));
	put(s, "  non_ip: %s\n", policy_word(cfg->non_ip_policy));
	put(s, "  fragments: %s\n", policy_word(cfg->frag_policy));
}

static void put_ifaces(struct sink *s, const struct sl_config *cfg)
{
	static const char *const modes[] = { "native", "native-only", "generic" };
	size_t i;

	if (!cfg->n_ifaces)
		return;
	put(s, "interfaces:\n");
	for (i = 0; i < cfg->n_ifaces; i++)
		put(s, "  - name: \"%s\"\n    mode: %s\n", cfg->ifaces[i].name,
		    cfg->ifaces[i].mode < 3 ? modes[cfg->ifaces[i].mode] : "native");
}

static void put_ports(struct sink *s, const char *key, const struct sl_port_range *r, uint32_t n)
{
	uint32_t i;

	put(s, "    %s: [", key);
	for (i = 0; i < n; i++) {
		if (r[i].lo == r[i].hi)
			put(s, "%s%u", i ? ", " : "", r[i].lo);
		else
			put(s, "%s%u-%u", i ? ", " : "", r[i].lo, r[i].hi);
	}
	put(s, "]\n");
}

/* src or dst: the named sets by name, then the inline prefixes. */
static void put_addrs(struct sink *s, const struct sl_config *cfg, const char *key,
		      const uint32_t *sets, uint32_t n)
{
	const char *sep = "";
	uint32_t i;
	size_t k;

	put(s, "    %s: [", key);
	for (i = 0; i < n; i++) {
		if (sets[i] >= cfg->n_sets) {
			s->err = -EINVAL;
			return;
		}
		if (!cfg->sets[sets[i]].anonymous) {
			put(s, "%s%s", sep, cfg->sets[sets[i]].name);
			sep = ", ";
		}
	}
	for (i = 0; i < n; i++) {
		const struct sl_set *set = &cfg->sets[sets[i]];

		if (!set->anonymous)
			continue;
		for (k = 0; k < set->n_prefixes; k++) {
			put(s, "%s", sep);
			put_prefix(s, &set->prefixes[k], "\"");
			sep = ", ";
		}
	}
	put(s, "]\n");
}

static void put_tcp_flags(struct sink *s, uint8_t mask, uint8_t value)
{
	static const char *const names[8] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr" };
	const char *sep = "";
	int b;

	put(s, "    tcp_flags: \"");
	for (b = 0; b < 8; b++) {
		if (!(mask & (1u << b)))
			continue;
		put(s, "%s%s%s", sep, value & (1u << b) ? "" : "!", names[b]);
		sep = ",";
	}
	put(s, "\"\n");
}

static void put_rule(struct sink *s, const struct sl_config *cfg, const struct sl_rule_cfg *r)
{
	static const char *const actions[] = { "accept", "drop", "count", "steer" };

	put(s, "  - name: %s\n", r->name);
	if (r->match & SL_MATCH_SRC)
		put_addrs(s, cfg, "src", r->src_sets, r->n_src_sets);
	if (r->match & SL_MATCH_DST)
		put_addrs(s, cfg, "dst", r->dst_sets, r->n_dst_sets);
	if (r->match & SL_MATCH_PROTO)
		put(s, "    protocol: %u\n", r->protocol);
	if (r->match & SL_MATCH_SPORT)
		put_ports(s, "sport", r->sport, r->n_sport);
	if (r->match & SL_MATCH_DPORT)
		put_ports(s, "dport", r->dport, r->n_dport);
	if (r->match & SL_MATCH_TCP_FLAGS)
		put_tcp_flags(s, r->tcp_flags_mask, r->tcp_flags_value);
	if (r->match & SL_MATCH_ICMP)
		put(s, "    icmp_type: %u\n",
		    r->icmp >= SL_ICMP6_BASE ? r->icmp - SL_ICMP6_BASE : r->icmp);
	if (r->match & SL_MATCH_VLAN)
		put(s, "    vlan: %u\n", r->vlan);
	if (r->match & SL_MATCH_IFACE)
		put(s, "    interface: %s\n", r->iface);
	put(s, "    action: %s\n", r->action <= SL_ACT_STEER ? actions[r->action] : "drop");
	if (r->log) {
		if (r->log_sample > 1 || r->log_rate) {
			put(s, "    log: {sample: %u", r->log_sample ? r->log_sample : 1);
			if (r->log_rate)
				put(s, ", rate_limit: %u", r->log_rate);
			put(s, "}\n");
		} else {
			put(s, "    log: true\n");
		}
		if (r->capture_len)
			put(s, "    capture: {snaplen: %u}\n", r->capture_len);
	}
}

/* The text of one set file; written into dir/sets/NAME.txt when dir is set. */
static int put_set_file(struct sink *hs, const struct sl_set *set, const char *dir)
{
	struct sink fs = { .hash = hs->hash };
	char path[4096], tmp[4200];
	size_t k;
	int err = 0;

	if (dir) {
		if (snprintf(path, sizeof(path), "%s/sets/%s.txt", dir, set->name) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		fs.f = fopen(tmp, "we");
		if (!fs.f)
			return -errno;
		/* Large sets: fewer, larger writes (a failure keeps stdio's buffer). */
		setvbuf(fs.f, NULL, _IOFBF, 1 << 20);
	}
	for (k = 0; k < set->n_prefixes && !fs.err; k++) {
		put_prefix(&fs, &set->prefixes[k], "");
		put_bytes(&fs, "\n", 1);
	}
	hs->hash = fs.hash;
	if (fs.f) {
		err = fs.err;
		if (fclose(fs.f) && !err)
			err = -errno;
		if (!err && rename(tmp, path))
			err = -errno;
		if (err)
			unlink(tmp);
	}
	return err ? err : fs.err;
}

/* settings, sets and rules; interfaces only into the file (they are not hashed). */
static int put_policy(struct sink *s, const struct sl_config *cfg, const char *dir)
{
	size_t i, named;
	uint64_t h;
	int err;

	put(s, "# The running policy of sluiced, saved after every change (docs/control.md).\n");
	put(s, "version: 1\n");
	put_settings(s, cfg);
	if (s->f) {
		/* Interfaces go into the file without touching the hash. */
		h = s->hash;
		put_ifaces(s, cfg);
		s->hash = h;
	}
	for (i = 0, named = 0; i < cfg->n_sets; i++)
		named += !cfg->sets[i].anonymous;
	/* An empty section is an empty list: a key without a value is an error. */
	put(s, named ? "sets:\n" : "sets: []\n");
	for (i = 0; i < cfg->n_sets; i++) {
		if (cfg->sets[i].anonymous)
			continue;
		put(s, "  - name: %s\n    file: sets/%s.txt\n", cfg->sets[i].name, cfg->sets[i].name);
		if (cfg->sets[i].source == SL_SET_SRC_HOST_ADDRESSES) {
			put(s, "    source: host-addresses\n");
			if (cfg->sets[i].source_iface[0])
				put(s, "    interface: \"%s\"\n", cfg->sets[i].source_iface);
		}
		/*
		 * A host set's elements follow the host, not the policy: saved (a
		 * restart starts from them) but not hashed, so a config file that
		 * did not change is recognised whatever the host's addresses are.
		 */
		h = s->hash;
		err = put_set_file(s, &cfg->sets[i], dir);
		if (err)
			return err;
		if (cfg->sets[i].source == SL_SET_SRC_HOST_ADDRESSES)
			s->hash = h;
	}
	put(s, cfg->n_rules ? "rules:\n" : "rules: []\n");
	for (i = 0; i < cfg->n_rules && !s->err; i++)
		put_rule(s, cfg, &cfg->rules[i]);
	return s->err;
}

uint64_t sl_policy_hash(const struct sl_config *cfg)
{
	struct sink s = { .hash = FNV_OFFSET };

	put_policy(&s, cfg, NULL);
	return s.hash;
}

int sl_policy_write(const struct sl_config *cfg, const char *dir, uint64_t *hash,
		    struct sl_diag *diag)
{
	struct sink s = { .hash = FNV_OFFSET };
	char path[4096], tmp[4200];
	int err;

	if (snprintf(path, sizeof(path), "%s/sets", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(path, 0700) && errno != EEXIST)) {
		err = -errno;
		sl_diagf(diag, "cannot create %s: %s", path, strerror(-err));
		return err;
	}
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	s.f = fopen(tmp, "we");
	if (!s.f) {
		err = -errno;
		sl_diagf(diag, "cannot write %s: %s", tmp, strerror(-err));
		return err;
	}
	err = put_policy(&s, cfg, dir);
	if (fclose(s.f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		sl_diagf(diag, "cannot write the policy into %s: %s", dir, strerror(-err));
	}
	if (!err && hash)
		*hash = s.hash;
	return err;
}

int sl_policy_write_rule(const struct sl_config *cfg, size_t index, FILE *f)
{
	struct sink s = { .f = f, .hash = FNV_OFFSET };

	if (index >= cfg->n_rules)
		return -ENOENT;
	put_rule(&s, cfg, &cfg->rules[index]);
	return s.err;
}
