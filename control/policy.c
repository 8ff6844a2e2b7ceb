/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "policy.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "dataplane/fw.h"
#include "dataplane/log.h"
#include "policy_edit.h"

#define STATE_ROOT "/run/sluiced"

struct sl_policy_engine {
	struct sl_config *cfg;    /* the running policy and the daemon settings */
	struct sl_tables *tables; /* cfg compiled */
	struct sl_fw *fw;         /* the live generation */
	const struct sl_topology *topo;
	char state_dir[256];
	uint64_t generation;
	uint64_t hash;        /* sl_policy_hash(cfg) */
	uint64_t source_hash; /* the config file's policy when it was last applied */
	/* Stats slots: the rule name holding each ("" free). */
	char slot_name[SL_MAX_RULES][SL_RULE_NAME_LEN];
	/* Freed by the last change: the generation before it may still count into them. */
	bool slot_dirty[SL_MAX_RULES];
	void (*on_change)(void *arg);
	void *on_change_arg;
	void (*on_load)(void *arg, struct sl_config *next); /* sl_policy_on_load */
	void *on_load_arg;
	/*
	 * The generation before the live one, kept loaded after its switch so
	 * that the next change can refill its maps instead of loading and
	 * verifying a program (sl_fw_refill), with the tables it holds.
	 * grace: a thread waiting an RCU grace period after its switch; only
	 * after it (spare_quiet) can no packet still run its program.
	 */
	struct sl_fw *spare;
	struct sl_tables *spare_t;
	pthread_t grace;
	bool grace_running;
	bool spare_quiet;
};

int sl_policy_shared_fd(const struct sl_policy_engine *p, const char *name)
{
	/* fw.c hands these fds on from generation to generation. */
	return sl_fw_map_is_shared(name) ? sl_fw_map_fd(p->fw, name) : -ENOENT;
}

int sl_policy_default_state_dir(const char *pin_dir, char *out, size_t size)
{
	const char *base = strrchr(pin_dir, '/');
	int n;

	base = base && base[1] ? base + 1 : "sluice";
	n = snprintf(out, size, "%s/%s", STATE_ROOT, base);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ------------------------------------------------------------ state files */

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -errno : 0;
}

/* Removes a saved generation: dir/sets/ * and dir/ *, two levels, nothing else. */
static void remove_gen_dir(const char *dir)
{
	char path[PATH_MAX];
	const char *sub[] = { "sets", "" };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct dirent *e;
		DIR *d;

		if (snprintf(path, sizeof(path), "%s/%s", dir, sub[i]) >= (int)sizeof(path))
			return;
		d = opendir(path);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			char f[PATH_MAX];

			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			if (snprintf(f, sizeof(f), "%s/%s", path, e->d_name) < (int)sizeof(f))
				unlink(f);
		}
		closedir(d);
		rmdir(path);
	}
}

static int gen_dir(const struct sl_policy_engine *p, uint64_t gen, char *out, size_t size)
{
	int n = snprintf(out, size, "%s/gen-%" PRIu64, p->state_dir, gen);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Saves cfg as generation gen (not yet current); *hash is its policy hash. */
static int save_gen(struct sl_policy_engine *p, const struct sl_config *cfg, uint64_t gen,
		    uint64_t source_hash, uint64_t *hash, struct sl_diag *diag)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	FILE *f;
	int err;

	err = gen_dir(p, gen, dir, sizeof(dir));
	if (!err)
		err = mkdir_p(p->state_dir);
	if (err) {
		sl_diagf(diag, "cannot create the state directory %s: %s", p->state_dir, strerror(-err));
		return err;
	}
	remove_gen_dir(dir); /* a leftover of a crash */
	err = sl_policy_write(cfg, dir, hash, diag);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/source", dir);
	f = fopen(path, "we");
	if (!f || fprintf(f, "%016" PRIx64 "\n", source_hash) < 0) {
		err = -errno;
		sl_diagf(diag, "cannot write %s: %s", path, strerror(-err));
	}
	if (f && fclose(f) && !err)
		err = -EIO;
	return err;
}

/* Makes generation gen the current one (a symlink renamed over "current"). */
static int commit_gen(struct sl_policy_engine *p, uint64_t gen, uint64_t prev)
{
	char link[PATH_MAX], tmp[PATH_MAX + 8], target[64], old[PATH_MAX];
	int err = 0;

	snprintf(target, sizeof(target), "gen-%" PRIu64, gen);
	if (snprintf(link, sizeof(link), "%s/current", p->state_dir) >= (int)sizeof(link))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), "%s.tmp", link);
	unlink(tmp);
	if (symlink(target, tmp) || rename(tmp, link)) {
		err = -errno;
		unlink(tmp);
		pr_warn("cannot make %s/%s the current state: %s\n", p->state_dir, target,
			strerror(-err));
		return err;
	}
	if (prev && prev != gen && !gen_dir(p, prev, old, sizeof(old)))
		remove_gen_dir(old);
	return 0;
}

void sl_policy_remove_state(const char *state_dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(state_dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", state_dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (!strncmp(e->d_name, "gen-", 4))
			remove_gen_dir(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(state_dir);
	/* The default root goes too once no sluiced keeps state there (fails while one does). */
	if (!strncmp(state_dir, STATE_ROOT "/", sizeof(STATE_ROOT)))
		rmdir(STATE_ROOT);
}

static void remove_state(struct sl_policy_engine *p)
{
	sl_policy_remove_state(p->state_dir);
}

static uint64_t read_source_hash(const char *dir)
{
	char path[PATH_MAX];
	uint64_t h = 0;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/source", dir) >= (int)sizeof(path))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%" SCNx64, &h) != 1)
		h = 0;
	fclose(f);
	return h;
}

/* ---------------------------------------------------------------- policy */

/*
 * Moves the policy of src (settings, interfaces, sets, rules) into dst,
 * which keeps its daemon settings; src is left with dst's old policy.
 */
static void swap_policy(struct sl_config *dst, struct sl_config *src)
{
	struct sl_config t = *dst;

	dst->default_verdict = src->default_verdict;
	dst->malformed_policy = src->malformed_policy;
	dst->non_ip_policy = src->non_ip_policy;
	dst->frag_policy = src->frag_policy;
	memcpy(dst->ifaces, src->ifaces, sizeof(dst->ifaces));
	dst->n_ifaces = src->n_ifaces;
	dst->sets = src->sets;
	dst->n_sets = src->n_sets;
	dst->rules = src->rules;
	dst->n_rules = src->n_rules;
	src->default_verdict = t.default_verdict;
	src->malformed_policy = t.malformed_policy;
	src->non_ip_policy = t.non_ip_policy;
	src->frag_policy = t.frag_policy;
	memcpy(src->ifaces, t.ifaces, sizeof(src->ifaces));
	src->n_ifaces = t.n_ifaces;
	src->sets = t.sets;
	src->n_sets = t.n_sets;
	src->rules = t.rules;
	src->n_rules = t.n_rules;
}

/* The daemon settings of the running config carried into a new one. */
static void keep_daemon_settings(struct sl_config *next, const struct sl_config *cur)
{
	snprintf(next->pin_dir, sizeof(next->pin_dir), "%s", cur->pin_dir);
	next->logging = cur->logging;
	next->control = cur->control;
	next->memory = cur->memory;
}

/* A rule name's bucket in assign_slots' table (FNV-1a over at most SL_RULE_NAME_LEN bytes). */
static uint32_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < SL_RULE_NAME_LEN && name[i]; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h % (SL_MAX_RULES * 2);
}

/*
 * Gives each rule of t (compiled from cfg) its stats slot: the slot of
 * the rule of the same name, else a free one, preferring slots no live
 * program counts into. New slots are listed in fresh (zeroed before the
 * switch). names receives the slot table the change leads to.
 */
static int assign_slots(const struct sl_policy_engine *p, const struct sl_config *cfg, struct sl_tables *t,
			char (*names)[SL_RULE_NAME_LEN], uint32_t *fresh, uint32_t *n_fresh)
{
	bool taken[SL_MAX_RULES] = { false };
	int slot[SL_MAX_RULES];
	/* The held slots by name (slot + 1, 0 empty): a lookup per rule, not a scan. */
	uint16_t by_name[SL_MAX_RULES * 2] = { 0 };
	uint32_t i, h;
	int s;

	for (s = 0; s < SL_MAX_RULES; s++) {
		if (!p->slot_name[s][0])
			continue;
		for (h = name_hash(p->slot_name[s]); by_name[h]; h = (h + 1) % (SL_MAX_RULES * 2))
			;
		by_name[h] = (uint16_t)(s + 1);
	}
	*n_fresh = 0;
	for (i = 0; i < t->n_rules; i++) {
		slot[i] = -1;
		for (h = name_hash(cfg->rules[i].name); by_name[h]; h = (h + 1) % (SL_MAX_RULES * 2))
			if (!strncmp(p->slot_name[by_name[h] - 1], cfg->rules[i].name, SL_RULE_NAME_LEN)) {
				slot[i] = by_name[h] - 1;
				break;
			}
		if (slot[i] >= 0)
			taken[slot[i]] = true;
	}
	for (i = 0; i < t->n_rules; i++) {
		if (slot[i] >= 0)
			continue;
		/* A free slot, then one a deleted rule leaves (still counted by the live one). */
		for (s = 0; s < SL_MAX_RULES; s++)
			if (!taken[s] && !p->slot_name[s][0] && !p->slot_dirty[s])
				break;
		if (s == SL_MAX_RULES)
			for (s = 0; s < SL_MAX_RULES; s++)
				if (!taken[s])
					break;
		if (s == SL_MAX_RULES)
			return -ENOSPC;
		slot[i] = s;
		taken[s] = true;
		fresh[(*n_fresh)++] = (uint32_t)s;
	}
	memset(names, 0, sizeof(char[SL_RULE_NAME_LEN]) * SL_MAX_RULES);
	for (i = 0; i < t->n_rules; i++) {
		t->rules[i].stat_slot = (uint16_t)slot[i];
		snprintf(names[slot[i]], SL_RULE_NAME_LEN, "%s", cfg->rules[i].name);
	}
	return 0;
}

/* The slot table of the pinned generation: sl_rule_meta names, sl_rules slots. */
static int slots_from_pins(struct sl_policy_engine *p, const char *dir)
{
	char path[PATH_MAX];
	int meta = -1, rules = -1, err = 0;
	uint32_t i;

	memset(p->slot_name, 0, sizeof(p->slot_name));
	snprintf(path, sizeof(path), "%s/sl_rule_meta", dir);
	meta = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/sl_rules", dir);
	rules = bpf_obj_get(path);
	if (meta < 0 || rules < 0) {
		err = -errno;
		goto out;
	}
	for (i = 0; i < SL_MAX_RULES; i++) {
		struct sl_rule_meta m;
		struct sl_rule r;

		if (bpf_map_lookup_elem(meta, &i, &m) || bpf_map_lookup_elem(rules, &i, &r)) {
			err = -errno;
			break;
		}
		m.name[SL_RULE_NAME_LEN - 1] = '\0';
		if (!m.name[0])
			break;
		if (r.stat_slot < SL_MAX_RULES)
			memcpy(p->slot_name[r.stat_slot], m.name, SL_RULE_NAME_LEN);
	}
out:
	if (meta >= 0)
		close(meta);
	if (rules >= 0)
		close(rules);
	return err;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Waits for an RCU grace period: MEMBARRIER_CMD_GLOBAL is synchronize_rcu()
 * in the kernel (on more than one CPU), and every XDP program runs inside
 * an RCU read-side section (NAPI or the generic receive path). So once it
 * returns, every packet that started on the program switched out before
 * the call has finished. It fails (EINVAL) under nohz_full and (EPERM)
 * under a seccomp filter without it: then the spare is not used.
 */
static void *grace_run(void *arg)
{
	struct sl_policy_engine *p = arg;

	p->spare_quiet = !syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	return NULL;
}

static void grace_join(struct sl_policy_engine *p)
{
	if (p->grace_running)
		pthread_join(p->grace, NULL);
	p->grace_running = false;
}

static void drop_spare(struct sl_policy_engine *p)
{
	grace_join(p);
	sl_fw_destroy(p->spare, true);
	sl_tables_free(p->spare_t);
	p->spare = NULL;
	p->spare_t = NULL;
	p->spare_quiet = false;
}

/* Keeps fw (switched out just now, tables t) as the spare; starts its grace period. */
static void keep_spare(struct sl_policy_engine *p, struct sl_fw *fw, struct sl_tables *t)
{
	drop_spare(p);
	p->spare = fw;
	p->spare_t = t;
	p->spare_quiet = false;
	p->grace_running = !pthread_create(&p->grace, NULL, grace_run, p);
	if (!p->grace_running)
		drop_spare(p);
}

/*
 * Refills the spare with t when t runs on the spare's program: -EAGAIN
 * when it does not (or the spare's grace period failed), another error
 * when the refill failed (the spare is dropped). On success the spare is
 * the caller's.
 */
static int take_spare(struct sl_policy_engine *p, const struct sl_tables *t, struct sl_fw **out)
{
	struct sl_diag d = { { 0 } };
	int err;

	if (!p->spare)
		return -EAGAIN;
	grace_join(p);
	if (!p->spare_quiet)
		return -EAGAIN;
	err = sl_fw_refill(p->spare, p->spare_t, t, &d);
	if (err == -EAGAIN)
		return err;
	if (err) {
		pr_warn("cannot refill the spare generation (%s): loading a new one\n",
			d.msg[0] ? d.msg : strerror(-err));
		drop_spare(p);
		return err;
	}
	*out = p->spare;
	sl_tables_free(p->spare_t);
	p->spare = NULL;
	p->spare_t = NULL;
	p->spare_quiet = false;
	return 0;
}

/* A loaded but not yet live generation. */
struct gen {
	struct sl_tables *t;
	struct sl_fw *fw;
	char names[SL_MAX_RULES][SL_RULE_NAME_LEN];
	uint64_t hash;
};

static void gen_free(struct gen *g)
{
	if (!g)
		return;
	sl_fw_destroy(g->fw, false);
	sl_tables_free(g->t);
	free(g);
}

/*
 * The state save of a generation, run beside the program load: both read
 * cfg and the tables only, the save is file-system work and the load is
 * kernel work, so on a machine with two CPUs the save costs nothing
 * (a million-prefix set spends 0.4 s in each).
 */
struct save_job {
	struct sl_policy_engine *p;
	const struct sl_config *cfg;
	uint64_t genno, source_hash, hash;
	struct sl_diag diag;
	int err;
};

static void *save_job_run(void *arg)
{
	struct save_job *j = arg;

	j->err = save_gen(j->p, j->cfg, j->genno, j->source_hash, &j->hash, &j->diag);
	return NULL;
}

/*
 * Compiles cfg and loads it as generation number genno, sharing the live
 * instance's counters (share) or the pinned ones (reuse_dir), and saves
 * it in the state directory. Nothing is attached. The saved state is
 * complete (or the build failed) before this returns, so it is durable
 * before the generation can be switched in and before any reply.
 */
static int build_gen(struct sl_policy_engine *p, const struct sl_config *cfg, uint64_t genno,
		     uint64_t source_hash, const char *reuse_dir, bool reuse_policy, struct gen **out,
		     struct sl_diag *diag)
{
	struct sl_fw_opts o = { .topo = p->topo, .memory = p->topo ? &cfg->memory : NULL };
	struct save_job job = { .p = p, .cfg = cfg, .genno = genno, .source_hash = source_hash };
	uint32_t fresh[SL_MAX_RULES], n_fresh, i;
	bool threaded = false;
	pthread_t saver;
	double t0, t1, t2;
	struct gen *g;
	int err;

	*out = NULL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	t0 = now_ms();
	err = sl_compile(cfg, &g->t, diag);
	if (err)
		goto fail;
	t1 = now_ms();
	err = assign_slots(p, cfg, g->t, g->names, fresh, &n_fresh);
	if (err) {
		sl_diagf(diag, "no free stats slot for a new rule");
		goto fail;
	}
	/* The save runs beside the load; without a thread, before it. */
	threaded = !pthread_create(&saver, NULL, save_job_run, &job);
	if (!threaded)
		save_job_run(&job);
	o.share = p->fw;
	o.reuse_dir = p->fw ? NULL : reuse_dir;
	o.reuse_policy = reuse_policy;
	t2 = now_ms();
	/* The spare's program when it fits t (most changes), else a new one. */
	err = p->fw && !reuse_dir ? take_spare(p, g->t, &g->fw) : -EAGAIN;
	if (err)
		err = sl_fw_load_opts(g->t, &o, &g->fw, diag);
	else
		pr_debug("generation %" PRIu64 ": the spare generation's program, refilled\n", genno);
	if (threaded)
		pthread_join(saver, NULL);
	threaded = false;
	if (!err && job.err) {
		err = job.err;
		sl_diagf(diag, "%s", job.diag.msg);
	}
	if (err)
		goto fail;
	g->hash = job.hash;
	pr_debug("generation %" PRIu64 ": compiled in %.1f ms, saved and loaded and filled in "
		 "%.1f ms\n", genno, t1 - t0, now_ms() - t2);
	/* A new rule's counters start at zero, whoever held its slot before. */
	if (p->fw || reuse_dir) {
		for (i = 0; i < n_fresh && !err; i++)
			err = sl_fw_zero_slot(g->fw, fresh[i]);
		if (err) {
			sl_diagf(diag, "cannot zero the counters of a new rule: %s", strerror(-err));
			goto fail;
		}
	}
	err = sl_fw_set_generation(g->fw, genno, g->hash);
	if (err) {
		sl_diagf(diag, "cannot write the generation: %s", strerror(-err));
		goto fail;
	}
	*out = g;
	return 0;
fail:
	gen_free(g);
	return err;
}

static bool cfg_has_iface(const struct sl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifaces[i].name, name))
			return true;
	return false;
}

/* Named, or matched by a pattern entry (the rtnetlink watcher's interfaces). */
static bool cfg_covers_iface(const struct sl_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_ifaces; i++)
		if (cfg->ifaces[i].pattern ? !fnmatch(cfg->ifaces[i].name, name, 0)
					   : !strcmp(cfg->ifaces[i].name, name))
			return true;
	return false;
}

static bool fw_has_iface(const struct sl_fw *fw, const char *name)
{
	char ifname[IF_NAMESIZE];
	int ifindex;
	size_t i;

	for (i = 0; !sl_fw_attachment(fw, i, ifname, &ifindex); i++)
		if (!strcmp(ifname, name))
			return true;
	return false;
}

/* Attaches fw to the interfaces of cfg it is not on, detaches it from the others. */
static int sync_ifaces(struct sl_fw *fw, const struct sl_config *cfg, bool pin,
		       struct sl_diag *diag)
{
	char ifname[IF_NAMESIZE];
	enum sl_xdp_mode used;
	size_t i;
	int ifindex, err;

	for (i = 0; !sl_fw_attachment(fw, i, ifname, &ifindex);) {
		if (cfg_covers_iface(cfg, ifname)) {
			i++;
			continue;
		}
		sl_fw_detach(fw, ifname);
		pr_info("detached from %s\n", ifname);
	}
	for (i = 0; i < cfg->n_ifaces; i++) {
		/* Pattern entries are the rtnetlink watcher's to attach. */
		if (cfg->ifaces[i].pattern || fw_has_iface(fw, cfg->ifaces[i].name))
			continue;
		err = sl_fw_attach(fw, cfg->ifaces[i].name, cfg->ifaces[i].mode, &used, diag);
		if (!err && pin)
			err = sl_fw_pin_link(fw, cfg->ifaces[i].name, diag);
		if (err)
			return err;
		pr_info("attached to %s in %s mode\n", cfg->ifaces[i].name,
			used == SL_XDP_MODE_GENERIC ? "generic" : "native");
	}
	return 0;
}

static void changed(struct sl_policy_engine *p)
{
	if (p->on_change)
		p->on_change(p->on_change_arg);
}

/*
 * Makes g live: switches every link to it, attaches and detaches what
 * cfg's interfaces say, pins, commits the saved state. From here on the
 * old generation is gone; failures after the switch are logged, since
 * the new generation already enforces.
 */
static int make_live(struct sl_policy_engine *p, struct gen *g, struct sl_config *cfg, uint64_t genno,
		     uint64_t source_hash)
{
	struct sl_diag diag = { { 0 } };
	uint64_t prev = p->generation;
	struct sl_tables *old_t;
	struct sl_fw *old_fw;
	uint32_t s;
	int err;

	if (sync_ifaces(g->fw, cfg, false, &diag))
		pr_warn("%s\n", diag.msg);
	err = sl_fw_pin(g->fw, cfg->pin_dir, true, &diag);
	if (err)
		pr_warn("%s\n", diag.msg);
	commit_gen(p, genno, prev);
	old_fw = p->fw;
	old_t = p->tables;
	p->fw = g->fw;
	p->tables = g->t;
	/* Slots given up now may still be counted into by the old program's last packets. */
	for (s = 0; s < SL_MAX_RULES; s++)
		p->slot_dirty[s] = p->slot_name[s][0] && !g->names[s][0];
	memcpy(p->slot_name, g->names, sizeof(p->slot_name));
	p->generation = genno;
	p->hash = g->hash;
	p->source_hash = source_hash;
	/* The daemon's config object stays; its policy part becomes cfg's. */
	if (p->cfg != cfg) {
		swap_policy(p->cfg, cfg);
		sl_config_free(cfg);
	}
	free(g);
	/* Readers of the old maps' fds (metrics, STATS) move before those fds close. */
	changed(p);
	/* The generation switched out stays loaded for the next change (take_spare). */
	if (old_fw)
		keep_spare(p, old_fw, old_t);
	return err;
}

static int apply(struct sl_policy_engine *p, struct sl_config *next, uint64_t source_hash,
		 struct sl_diag *diag)
{
	uint64_t genno = p->generation + 1;
	double t0, t1, t2;
	char dir[PATH_MAX];
	struct gen *g = NULL;
	int err;

	keep_daemon_settings(next, p->cfg);
	t0 = now_ms();
	err = build_gen(p, next, genno, source_hash, NULL, false, &g, diag);
	if (err)
		goto fail;
	t1 = now_ms();
	err = sl_fw_switch(p->fw, g->fw, diag);
	if (err)
		goto fail;
	t2 = now_ms();
	make_live(p, g, next, genno, source_hash);
	pr_debug("generation %" PRIu64 ": built in %.1f ms (compile, save, load, fill), switched in "
		 "%.1f ms, pinned and committed in %.1f ms\n",
		 genno, t1 - t0, t2 - t1, now_ms() - t2);
	return 0;
fail:
	gen_free(g);
	if (!gen_dir(p, genno, dir, sizeof(dir)))
		remove_gen_dir(dir);
	return err;
}

int sl_policy_apply(struct sl_policy_engine *p, struct sl_config *next, struct sl_diag *diag)
{
	return apply(p, next, p->source_hash, diag);
}

int sl_policy_reload(struct sl_policy_engine *p, struct sl_diag *diag)
{
	struct sl_config *next = NULL;
	uint64_t source_hash;
	int err;

	err = sl_config_load_file(p->cfg->path, &next, diag);
	if (err)
		return err;
	if (!next->n_ifaces) {
		sl_diagf(diag, "%s: no interfaces to attach to", next->path);
		sl_config_free(next);
		return -EINVAL;
	}
	source_hash = sl_policy_hash(next);
	/* The file's policy as read is what source_hash says; the listener may add to it. */
	if (p->on_load)
		p->on_load(p->on_load_arg, next);
	err = apply(p, next, source_hash, diag);
	if (err)
		sl_config_free(next);
	return err;
}

void sl_policy_on_load(struct sl_policy_engine *p, void (*fn)(void *arg, struct sl_config *next),
		       void *arg)
{
	p->on_load = fn;
	p->on_load_arg = arg;
}

/* ------------------------------------------------------------ start, stop */

/* Removes what a sluiced that did not keep enforcing left: map pins only. */
static int clear_stale_pins(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	int err = 0;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) && errno != ENOENT) {
			err = -errno;
			pr_warn("cannot remove %s: %s\n", path, strerror(errno));
			break;
		}
	}
	closedir(d);
	return err;
}

/* The saved generations, newest first: their numbers. */
static size_t saved_gens(const struct sl_policy_engine *p, uint64_t *out, size_t max)
{
	struct dirent *e;
	size_t n = 0, i, j;
	DIR *d = opendir(p->state_dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) && n < max) {
		char *end;
		unsigned long long g;

		if (strncmp(e->d_name, "gen-", 4))
			continue;
		g = strtoull(e->d_name + 4, &end, 10);
		if (*end || !g)
			continue;
		out[n++] = g;
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && out[j - 1] < out[j]; j--) {
			uint64_t t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* Loads the saved generation gen; *src its source hash. */
static int load_gen(const struct sl_policy_engine *p, uint64_t gen, struct sl_config **out,
		    uint64_t *src, struct sl_diag *diag)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int err = gen_dir(p, gen, dir, sizeof(dir));

	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/policy.yaml", dir);
	err = sl_config_load_file(path, out, diag);
	if (!err)
		*src = read_source_hash(dir);
	return err;
}

/* The generation "current" points at, 0 when none. */
static uint64_t current_gen(const struct sl_policy_engine *p)
{
	char link[PATH_MAX], target[64];
	ssize_t n;

	if (snprintf(link, sizeof(link), "%s/current", p->state_dir) >= (int)sizeof(link))
		return 0;
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 4)
		return 0;
	target[n] = '\0';
	return strncmp(target, "gen-", 4) ? 0 : strtoull(target + 4, NULL, 10);
}

/*
 * Adopts what a previous sluiced left enforcing (sl_policy_open). The
 * desired policy is the saved one, or cfg's when the config file's
 * policy changed since it was last applied. The pinned policy maps are
 * kept when the pinned generation is exactly a saved one and the pins
 * are consistent with the program the links run.
 */
static int adopt(struct sl_policy_engine *p, struct sl_config *cfg, const struct sl_fw_pinned *pins,
		 struct sl_diag *diag)
{
	struct sl_config *saved = NULL, *want;
	uint64_t gens[64], src = 0, cfg_hash = sl_policy_hash(cfg), genno, source;
	size_t n = saved_gens(p, gens, 64), i;
	uint64_t cur = current_gen(p);
	bool reuse = false;
	struct gen *g = NULL;
	int err;

	/* The saved generation the pins hold, if any (a crash may precede "current"). */
	for (i = 0; i < n && pins->consistent && pins->has_generation; i++) {
		struct sl_config *c = NULL;

		if (gens[i] != pins->generation || load_gen(p, gens[i], &c, &src, diag))
			continue;
		if (sl_policy_hash(c) == pins->hash) {
			saved = c;
			cur = gens[i];
			reuse = true;
			break;
		}
		sl_config_free(c);
	}
	if (!saved && cur && load_gen(p, cur, &saved, &src, diag)) {
		pr_warn("the saved policy cannot be read (%s): applying the config\n", diag->msg);
		saved = NULL;
	}
	if (saved && src == cfg_hash) {
		/* The config file is what was last applied: the saved policy wins (socket changes). */
		swap_policy(cfg, saved);
		want = cfg;
		source = src;
	} else {
		if (saved)
			pr_info("%s changed since sluiced last applied it: applying it\n", cfg->path);
		reuse = false;
		want = cfg;
		source = cfg_hash;
	}
	sl_config_free(saved);
	saved = NULL;
	err = slots_from_pins(p, cfg->pin_dir);
	if (err)
		pr_warn("cannot read the pinned rule slots (%s): rule counters start again\n",
			strerror(-err));
	genno = (pins->has_generation ? pins->generation : cur) + 1;
	p->generation = genno - 1;
	err = build_gen(p, want, genno, source, cfg->pin_dir, reuse, &g, diag);
	if (err && reuse) {
		pr_warn("cannot take over the pinned tables (%s): building them again\n", diag->msg);
		err = build_gen(p, want, genno, source, cfg->pin_dir, false, &g, diag);
	}
	if (err)
		return err;
	/* The upgrade path: the links run the new program, swapped in place. */
	err = sl_fw_adopt_links(g->fw, cfg->pin_dir, diag);
	if (err) {
		gen_free(g);
		return err;
	}
	pr_info("adopted %zu pinned link%s of generation %" PRIu64 "%s\n", pins->n_links,
		pins->n_links == 1 ? "" : "s", pins->generation,
		reuse ? " with its tables" : ", rebuilt from the saved policy");
	p->cfg = want;
	make_live(p, g, want, genno, source);
	return 0;
}

static int start_fresh(struct sl_policy_engine *p, struct sl_config *cfg, struct sl_diag *diag)
{
	uint64_t source = sl_policy_hash(cfg);
	struct gen *g = NULL;
	int err;

	err = clear_stale_pins(cfg->pin_dir);
	if (err) {
		sl_diagf(diag, "cannot clear the stale pins under %s: %s", cfg->pin_dir, strerror(-err));
		return err;
	}
	remove_state(p);
	err = build_gen(p, cfg, 1, source, NULL, false, &g, diag);
	if (err)
		return err;
	err = sync_ifaces(g->fw, cfg, false, diag);
	if (err) {
		gen_free(g);
		return err;
	}
	p->cfg = cfg;
	err = make_live(p, g, cfg, 1, source);
	if (err)
		sl_diagf(diag, "cannot pin under %s: %s", cfg->pin_dir, strerror(-err));
	return err;
}

int sl_policy_open(struct sl_config *cfg, const struct sl_policy_opts *opts, struct sl_policy_engine **out,
		   struct sl_diag *diag)
{
	struct sl_fw_pinned pins;
	bool fresh = false;
	struct sl_policy_engine *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->topo = opts ? opts->topo : NULL;
	p->cfg = cfg;
	if (opts && opts->state_dir)
		err = snprintf(p->state_dir, sizeof(p->state_dir), "%s", opts->state_dir) >=
				      (int)sizeof(p->state_dir)
			      ? -ENAMETOOLONG
			      : 0;
	else
		err = sl_policy_default_state_dir(cfg->pin_dir, p->state_dir, sizeof(p->state_dir));
	if (err) {
		sl_diagf(diag, "state directory: %s", strerror(-err));
		goto fail;
	}
	err = sl_fw_inspect_pins(cfg->pin_dir, &pins);
	if (err) {
		sl_diagf(diag, "cannot inspect the pins under %s: %s", cfg->pin_dir, strerror(-err));
		goto fail;
	}
	fresh = !pins.n_links;
	err = fresh ? start_fresh(p, cfg, diag) : adopt(p, cfg, &pins, diag);
	if (err)
		goto fail;
	*out = p;
	return 0;
fail:
	/* A failed fresh start leaves nothing to adopt: no saved state either.
	 * A failed adoption keeps it, the pinned program still enforces it. */
	if (fresh)
		remove_state(p);
	/* cfg is the caller's: never freed here. */
	sl_fw_destroy(p->fw, true);
	sl_tables_free(p->tables);
	free(p);
	return err;
}

static bool rules_name_iface(const struct sl_config *cfg, const char *ifname)
{
	size_t i;

	for (i = 0; i < cfg->n_rules; i++)
		if ((cfg->rules[i].match & SL_MATCH_IFACE) &&
		    !strncmp(cfg->rules[i].iface, ifname, IF_NAMESIZE))
			return true;
	return false;
}

/* The same policy as a new generation (interfaces named by rules resolved again). */
static void regenerate(struct sl_policy_engine *p, const char *why)
{
	struct sl_diag diag = { { 0 } };
	struct sl_config *copy = NULL;
	int err = sl_policy_copy(p->cfg, &copy);

	if (!err)
		err = sl_policy_apply(p, copy, &diag);
	if (err) {
		sl_config_free(copy);
		pr_warn("%s: rules naming it stay without it until the next change: %s\n", why,
			diag.msg[0] ? diag.msg : strerror(-err));
	}
}

int sl_policy_iface_attach(struct sl_policy_engine *p, const char *ifname, enum sl_xdp_mode mode,
			   struct sl_diag *diag)
{
	struct sl_config *cfg = p->cfg;
	enum sl_xdp_mode used;
	uint64_t h;
	char dir[PATH_MAX];
	int err;

	if (fw_has_iface(p->fw, ifname)) {
		sl_diagf(diag, "already attached to %s", ifname);
		return -EEXIST;
	}
	if (cfg->n_ifaces >= SL_MAX_IFACES) {
		sl_diagf(diag, "too many interfaces (at most %d)", SL_MAX_IFACES);
		return -E2BIG;
	}
	err = sl_fw_attach(p->fw, ifname, mode, &used, diag);
	if (!err)
		err = sl_fw_pin_link(p->fw, ifname, diag);
	if (err) {
		sl_fw_detach(p->fw, ifname);
		return err;
	}
	if (!cfg_has_iface(cfg, ifname)) {
		snprintf(cfg->ifaces[cfg->n_ifaces].name, IF_NAMESIZE, "%s", ifname);
		cfg->ifaces[cfg->n_ifaces].mode = mode;
		cfg->n_ifaces++;
	}
	/* Interfaces are not part of the hash: the generation stays, its saved file changes. */
	if (!gen_dir(p, p->generation, dir, sizeof(dir)) && sl_policy_write(cfg, dir, &h, diag))
		pr_warn("%s\n", diag->msg);
	pr_info("attached to %s in %s mode\n", ifname,
		used == SL_XDP_MODE_GENERIC ? "generic" : "native");
	changed(p);
	/*
	 * A rule naming the interface matches by ifindex, resolved when its
	 * generation was built: an interface that came (back) needs a new one.
	 */
	if (rules_name_iface(cfg, ifname))
		regenerate(p, ifname);
	return 0;
}

int sl_policy_iface_detach(struct sl_policy_engine *p, const char *ifname, struct sl_diag *diag)
{
	struct sl_config *cfg = p->cfg;
	char dir[PATH_MAX];
	uint64_t h;
	size_t i;
	int err;

	err = sl_fw_detach(p->fw, ifname);
	if (err) {
		sl_diagf(diag, "not attached to %s", ifname);
		return err;
	}
	for (i = 0; i < cfg->n_ifaces; i++)
		if (!strcmp(cfg->ifaces[i].name, ifname)) {
			memmove(&cfg->ifaces[i], &cfg->ifaces[i + 1],
				sizeof(cfg->ifaces[0]) * (cfg->n_ifaces - i - 1));
			cfg->n_ifaces--;
			break;
		}
	if (!gen_dir(p, p->generation, dir, sizeof(dir)) && sl_policy_write(cfg, dir, &h, diag))
		pr_warn("%s\n", diag->msg);
	pr_info("detached from %s\n", ifname);
	changed(p);
	return 0;
}

void sl_policy_on_change(struct sl_policy_engine *p, void (*fn)(void *arg), void *arg)
{
	p->on_change = fn;
	p->on_change_arg = arg;
}

const struct sl_config *sl_policy_config(const struct sl_policy_engine *p)
{
	return p->cfg;
}

const struct sl_tables *sl_policy_tables(const struct sl_policy_engine *p)
{
	return p->tables;
}

const struct sl_fw *sl_policy_fw(const struct sl_policy_engine *p)
{
	return p->fw;
}

uint64_t sl_policy_generation(const struct sl_policy_engine *p)
{
	return p->generation;
}

void sl_policy_close(struct sl_policy_engine *p, bool keep)
{
	if (!p)
		return;
	drop_spare(p);
	sl_fw_destroy(p->fw, keep);
	if (!keep)
		remove_state(p);
	sl_tables_free(p->tables);
	free(p);
}

void sl_policy_slot_names(const struct sl_policy_engine *p, struct sl_rule_meta *out)
{
	uint32_t s;

	for (s = 0; s < SL_MAX_RULES; s++)
		memcpy(out[s].name, p->slot_name[s], SL_RULE_NAME_LEN);
}
