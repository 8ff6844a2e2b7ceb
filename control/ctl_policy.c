/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "ctl_policy.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/fw.h"
#include "dataplane/log.h"
#include "hostset.h"
#include "policy.h"
#include "policy_edit.h"
#include "prefix.h"

struct tx {
	uint32_t id;     /* 0: free */
	uint32_t client;
	uint64_t base;   /* the generation it was copied from */
	struct sl_config *work;
	struct sl_set_index *index; /* of the set the last adds went to */
	size_t changes;
};

struct sl_ctlp {
	struct sl_policy_engine *pe;
	struct tx tx[SL_CTL_MAX_CLIENTS];
	uint32_t next_id;
};

int sl_ctlp_open(struct sl_policy_engine *pe, struct sl_ctlp **out)
{
	struct sl_ctlp *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	x->pe = pe;
	*out = x;
	return 0;
}

static void tx_drop(struct tx *t)
{
	sl_set_index_free(t->index);
	sl_config_free(t->work);
	memset(t, 0, sizeof(*t));
}

void sl_ctlp_client_gone(struct sl_ctlp *x, uint32_t client)
{
	size_t i;

	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		if (x->tx[i].id && x->tx[i].client == client) {
			pr_debug("control socket: transaction %u discarded: its connection closed\n",
				 x->tx[i].id);
			tx_drop(&x->tx[i]);
		}
}

void sl_ctlp_close(struct sl_ctlp *x)
{
	size_t i;

	if (!x)
		return;
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		tx_drop(&x->tx[i]);
	free(x);
}

/* Offset of attribute a in the request, for the extended ack. */
static uint32_t off(const struct sl_ctl_msg *m, const struct nlattr *a)
{
	return a ? (uint32_t)((const uint8_t *)a - (const uint8_t *)m->nlh) : 0;
}

static const char *str(const struct sl_ctl_msg *m, int type)
{
	return m->tb[type] ? mnl_attr_get_str(m->tb[type]) : NULL;
}

/* The transaction of this connection that the request names, or NULL with e. */
static struct tx *find_tx(struct sl_ctlp *x, uint32_t client, const struct sl_ctl_msg *m,
			  struct sl_ctl_error *e)
{
	const struct nlattr *a = m->tb[SL_CTL_A_TX_ID];
	uint32_t id = mnl_attr_get_u32(a);
	size_t i;

	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++)
		if (x->tx[i].id == id && x->tx[i].client == client)
			return &x->tx[i];
	sl_ctl_errorf(e, -ENOENT, off(m, a), "no open transaction %u on this connection", id);
	return NULL;
}

/* The prefixes of every PREFIX attribute, parsed; a bad one is named by offset. */
static int get_prefixes(const struct sl_ctl_msg *m, struct sl_prefix **out, size_t *n,
			struct sl_ctl_error *e)
{
	const struct nlattr *a;
	struct sl_prefix *p = NULL;
	size_t cap = 0;

	*n = 0;
	for (a = sl_ctl_next_attr(m, NULL, SL_CTL_A_PREFIX); a;
	     a = sl_ctl_next_attr(m, a, SL_CTL_A_PREFIX)) {
		const char *s = mnl_attr_get_str(a), *why = NULL;

		if (*n == cap) {
			struct sl_prefix *np;

			cap = cap ? cap * 2 : 256;
			np = realloc(p, sizeof(*p) * cap);
			if (!np) {
				free(p);
				return sl_ctl_errorf(e, -ENOMEM, 0, "out of memory");
			}
			p = np;
		}
		if (sl_prefix_parse(s, strlen(s), &p[*n], &why)) {
			free(p);
			return sl_ctl_errorf(e, -EINVAL, off(m, a), "bad prefix '%.64s': %s", s, why);
		}
		(*n)++;
	}
	*out = p;
	return 0;
}

/* One edit of cfg as the request says; setidx: the transaction's set index, or NULL. */
static int edit(struct sl_config *cfg, const struct sl_ctl_msg *m, struct sl_set_index **setidx,
		struct sl_ctl_error *e)
{
	struct sl_diag diag = { { 0 } };
	struct sl_prefix *p = NULL;
	enum sl_rule_where where = SL_RULE_AT_END;
	const struct nlattr *at = NULL;
	uint32_t index = 0;
	const char *ref = NULL;
	size_t n = 0;
	int err;

	switch (m->hdr->cmd) {
	case SL_CTL_CMD_RULE_ADD:
		if (!!m->tb[SL_CTL_A_POSITION] + !!m->tb[SL_CTL_A_BEFORE] + !!m->tb[SL_CTL_A_AFTER] > 1)
			return sl_ctl_errorf(e, -EINVAL, off(m, m->tb[SL_CTL_A_AFTER] ? m->tb[SL_CTL_A_AFTER]
									: m->tb[SL_CTL_A_BEFORE]),
					     "give one of position, before and after");
		if (m->tb[SL_CTL_A_POSITION]) {
			where = SL_RULE_AT_INDEX;
			at = m->tb[SL_CTL_A_POSITION];
			index = mnl_attr_get_u32(at);
		} else if (m->tb[SL_CTL_A_BEFORE] || m->tb[SL_CTL_A_AFTER]) {
			where = m->tb[SL_CTL_A_BEFORE] ? SL_RULE_BEFORE : SL_RULE_AFTER;
			at = m->tb[SL_CTL_A_BEFORE] ? m->tb[SL_CTL_A_BEFORE] : m->tb[SL_CTL_A_AFTER];
			ref = mnl_attr_get_str(at);
		}
		err = sl_policy_rule_add(cfg, str(m, SL_CTL_A_RULE_TEXT), where, index, ref, &diag);
		if (err == -ERANGE || (err == -ENOENT && ref))
			return sl_ctl_errorf(e, err, off(m, at), "%s", diag.msg);
		if (err)
			return sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_RULE_TEXT]), "%s", diag.msg);
		return 0;
	case SL_CTL_CMD_RULE_DELETE:
		err = sl_policy_rule_delete(cfg, str(m, SL_CTL_A_RULE_NAME), &diag);
		return err ? sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_RULE_NAME]), "%s", diag.msg) : 0;
	case SL_CTL_CMD_RULE_REPLACE:
		err = sl_policy_rule_replace(cfg, str(m, SL_CTL_A_RULE_NAME), str(m, SL_CTL_A_RULE_TEXT),
					     &diag);
		if (err == -ENOENT)
			return sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_RULE_NAME]), "%s", diag.msg);
		return err ? sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_RULE_TEXT]), "%s", diag.msg) : 0;
	case SL_CTL_CMD_SET_DELETE:
		err = sl_policy_set_delete(cfg, str(m, SL_CTL_A_SET_NAME), &diag);
		break;
	case SL_CTL_CMD_SET_FLUSH:
		err = sl_hostset_check_edit(cfg, str(m, SL_CTL_A_SET_NAME), &diag);
		if (!err)
			err = sl_policy_set_flush(cfg, str(m, SL_CTL_A_SET_NAME), &diag);
		break;
	case SL_CTL_CMD_SET_CREATE:
	case SL_CTL_CMD_SET_ADD:
	case SL_CTL_CMD_SET_REMOVE:
	case SL_CTL_CMD_SET_LOAD:
		/* A host set's elements are sluiced's (hostset.h): add, remove and load refuse it. */
		err = m->hdr->cmd == SL_CTL_CMD_SET_CREATE
			      ? 0 : sl_hostset_check_edit(cfg, str(m, SL_CTL_A_SET_NAME), &diag);
		if (err)
			break;
		err = get_prefixes(m, &p, &n, e);
		if (err)
			return err;
		if (m->hdr->cmd == SL_CTL_CMD_SET_CREATE)
			err = sl_policy_set_create(cfg, str(m, SL_CTL_A_SET_NAME), p, n, &diag);
		else if (m->hdr->cmd == SL_CTL_CMD_SET_REMOVE)
			err = sl_policy_set_remove(cfg, str(m, SL_CTL_A_SET_NAME), p, n, &diag);
		else
			err = sl_policy_set_add_idx(cfg, str(m, SL_CTL_A_SET_NAME), p, n,
						    m->hdr->cmd == SL_CTL_CMD_SET_LOAD, setidx, &diag);
		free(p);
		break;
	default:
		return sl_ctl_errorf(e, -EOPNOTSUPP, 0, "command '%s' changes nothing", m->info->name);
	}
	return err ? sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_SET_NAME]), "%s", diag.msg) : 0;
}

/* A change: staged in its transaction, or applied at once as one generation. */
static int change(struct sl_ctlp *x, uint32_t client, const struct sl_ctl_msg *m,
		  struct sl_ctl_error *e)
{
	struct sl_diag diag = { { 0 } };
	struct sl_config *work = NULL;
	struct tx *t;
	int err;

	if (m->tb[SL_CTL_A_TX_ID]) {
		t = find_tx(x, client, m, e);
		if (!t)
			return e->err;
		err = edit(t->work, m, &t->index, e);
		if (err) {
			/* Half of a change may be in the copy: the transaction cannot go on. */
			char why[SL_CTL_ERRMSG_LEN];

			snprintf(why, sizeof(why), "%s", e->msg);
			sl_ctl_errorf(e, err, e->offset, "%.100s (transaction %u discarded)", why, t->id);
			tx_drop(t);
			return err;
		}
		t->changes++;
		return 0;
	}
	err = sl_policy_copy(sl_policy_config(x->pe), &work);
	if (err)
		return sl_ctl_errorf(e, err, 0, "cannot copy the policy: %s", strerror(-err));
	err = edit(work, m, NULL, e);
	if (!err) {
		err = sl_policy_apply(x->pe, work, &diag);
		if (!err)
			return 0;
		sl_ctl_errorf(e, err, 0, "%s", diag.msg);
	}
	sl_config_free(work);
	return err;
}

static int tx_begin(struct sl_ctlp *x, uint32_t client, const struct sl_ctl_msg *m,
		    struct sl_ctl_reply *r, struct sl_ctl_error *e)
{
	struct tx *t = NULL;
	struct nlmsghdr *nlh;
	size_t i, room;
	int err;

	(void)m;
	for (i = 0; i < SL_CTL_MAX_CLIENTS; i++) {
		if (x->tx[i].id && x->tx[i].client == client)
			return sl_ctl_errorf(e, -EBUSY, 0, "transaction %u is open on this connection",
					     x->tx[i].id);
		if (!x->tx[i].id && !t)
			t = &x->tx[i];
	}
	if (!t)
		return sl_ctl_errorf(e, -EBUSY, 0, "too many open transactions");
	err = sl_policy_copy(sl_policy_config(x->pe), &t->work);
	if (err)
		return sl_ctl_errorf(e, err, 0, "cannot copy the policy: %s", strerror(-err));
	t->id = ++x->next_id ? x->next_id : ++x->next_id;
	t->client = client;
	t->base = sl_policy_generation(x->pe);
	nlh = sl_ctl_reply_start(r, 64, &room);
	if (!nlh || !mnl_attr_put_u32_check(nlh, room, SL_CTL_A_TX_ID, t->id)) {
		tx_drop(t);
		return sl_ctl_errorf(e, -EMSGSIZE, 0, "cannot answer");
	}
	sl_ctl_reply_done(r, nlh);
	return 0;
}

static int tx_end(struct sl_ctlp *x, uint32_t client, const struct sl_ctl_msg *m,
		  struct sl_ctl_error *e)
{
	struct sl_diag diag = { { 0 } };
	struct tx *t = find_tx(x, client, m, e);
	int err;

	if (!t)
		return e->err;
	if (m->hdr->cmd == SL_CTL_CMD_TX_ABORT) {
		tx_drop(t);
		return 0;
	}
	if (sl_policy_generation(x->pe) != t->base) {
		tx_drop(t);
		return sl_ctl_errorf(e, -EAGAIN, off(m, m->tb[SL_CTL_A_TX_ID]),
				     "the policy changed since the transaction began; it was discarded");
	}
	err = sl_policy_apply(x->pe, t->work, &diag);
	if (!err) {
		pr_info("transaction %u: %zu change%s applied as generation %" PRIu64 "\n", t->id,
			t->changes, t->changes == 1 ? "" : "s", sl_policy_generation(x->pe));
		t->work = NULL; /* the engine's now */
	} else {
		sl_ctl_errorf(e, err, 0, "%s", diag.msg);
	}
	tx_drop(t);
	return err;
}

/* ------------------------------------------------------------------ dumps */

static int dump_rules(struct sl_ctlp *x, struct sl_ctl_reply *r, struct sl_ctl_error *e)
{
	const struct sl_config *cfg = sl_policy_config(x->pe);
	char text[4096];
	size_t i, room;

	for (i = 0; i < cfg->n_rules; i++) {
		struct nlmsghdr *nlh;

		if (sl_policy_rule_text(cfg, i, text, sizeof(text)))
			return sl_ctl_errorf(e, -EMSGSIZE, 0, "rule %zu does not fit in a message", i);
		nlh = sl_ctl_reply_start(r, sizeof(text) + 256, &room);
		if (!nlh)
			return 0; /* the client is gone */
		if (!mnl_attr_put_strz_check(nlh, room, SL_CTL_A_RULE_NAME, cfg->rules[i].name) ||
		    !mnl_attr_put_u32_check(nlh, room, SL_CTL_A_POSITION, (uint32_t)i) ||
		    !mnl_attr_put_strz_check(nlh, room, SL_CTL_A_RULE_TEXT, text))
			return sl_ctl_errorf(e, -EMSGSIZE, 0, "rule %zu does not fit in a message", i);
		sl_ctl_reply_done(r, nlh);
	}
	return 0;
}

#define SET_MSG 16384 /* a set's prefixes go out in messages of this size */

static int dump_sets(struct sl_ctlp *x, const struct sl_ctl_msg *m, struct sl_ctl_reply *r,
		     struct sl_ctl_error *e)
{
	const struct sl_config *cfg = sl_policy_config(x->pe);
	const char *only = str(m, SL_CTL_A_SET_NAME);
	char text[64];
	size_t i, k, room;
	bool found = false;

	for (i = 0; i < cfg->n_sets; i++) {
		const struct sl_set *s = &cfg->sets[i];
		struct nlmsghdr *nlh;

		if (s->anonymous || (only && strcmp(only, s->name)))
			continue;
		found = true;
		k = 0;
		do {
			nlh = sl_ctl_reply_start(r, SET_MSG, &room);
			if (!nlh)
				return 0;
			if (!mnl_attr_put_strz_check(nlh, room, SL_CTL_A_SET_NAME, s->name) ||
			    !mnl_attr_put_u64_check(nlh, room, SL_CTL_A_SET_SIZE, s->n_prefixes) ||
			    (s->source == SL_SET_SRC_HOST_ADDRESSES &&
			     !mnl_attr_put_u32_check(nlh, room, SL_CTL_A_SET_SOURCE,
						     SL_CTL_SET_SRC_HOST_ADDRESSES)))
				return sl_ctl_errorf(e, -EMSGSIZE, 0, "set %s does not fit", s->name);
			/* Elements only for the set asked for; room is checked per element. */
			for (; only && k < s->n_prefixes; k++) {
				sl_prefix_format(&s->prefixes[k], text, sizeof(text));
				if (nlh->nlmsg_len + NLA_HDRLEN + 64 > SET_MSG ||
				    !mnl_attr_put_strz_check(nlh, room, SL_CTL_A_PREFIX, text))
					break;
			}
			sl_ctl_reply_done(r, nlh);
		} while (only && k < s->n_prefixes);
	}
	if (only && !found)
		return sl_ctl_errorf(e, -ENOENT, off(m, m->tb[SL_CTL_A_SET_NAME]), "no set named '%s'",
				     only);
	return 0;
}

static int dump_ifaces(struct sl_ctlp *x, struct sl_ctl_reply *r, struct sl_ctl_error *e)
{
	const struct sl_fw *fw = sl_policy_fw(x->pe);
	char name[IF_NAMESIZE];
	int ifindex;
	size_t i, room;

	for (i = 0; !sl_fw_attachment(fw, i, name, &ifindex); i++) {
		LIBBPF_OPTS(bpf_xdp_query_opts, q);
		struct nlmsghdr *nlh = sl_ctl_reply_start(r, 256, &room);
		struct nlattr *nest;
		uint32_t mode = SL_CTL_XDP_NATIVE;

		if (!nlh)
			return 0;
		if (!bpf_xdp_query(ifindex, 0, &q) && q.attach_mode == XDP_ATTACHED_SKB)
			mode = SL_CTL_XDP_GENERIC;
		nest = mnl_attr_nest_start_check(nlh, room, SL_CTL_A_IFACE);
		if (!nest || !mnl_attr_put_strz_check(nlh, room, SL_CTL_IFACE_A_NAME, name) ||
		    !mnl_attr_put_u32_check(nlh, room, SL_CTL_IFACE_A_INDEX, (uint32_t)ifindex) ||
		    !mnl_attr_put_u32_check(nlh, room, SL_CTL_IFACE_A_XDP_MODE, mode))
			return sl_ctl_errorf(e, -EMSGSIZE, 0, "interface does not fit");
		mnl_attr_nest_end(nlh, nest);
		sl_ctl_reply_done(r, nlh);
	}
	return 0;
}

/* ---------------------------------------------------------------- serving */

int sl_ctlp_command(struct sl_ctlp *x, uint32_t client, const struct sl_ctl_msg *m,
		    struct sl_ctl_reply *r, struct sl_ctl_error *e)
{
	struct sl_diag diag = { { 0 } };
	uint32_t mode = SL_XDP_MODE_NATIVE;
	int err;

	switch (m->hdr->cmd) {
	case SL_CTL_CMD_RELOAD:
		err = sl_policy_reload(x->pe, &diag);
		if (err)
			return sl_ctl_errorf(e, err, 0, "%s", diag.msg);
		pr_info("reload: applied %s as generation %" PRIu64 "\n", sl_policy_config(x->pe)->path,
			sl_policy_generation(x->pe));
		return 0;
	case SL_CTL_CMD_TX_BEGIN:
		return tx_begin(x, client, m, r, e);
	case SL_CTL_CMD_TX_COMMIT:
	case SL_CTL_CMD_TX_ABORT:
		return tx_end(x, client, m, e);
	case SL_CTL_CMD_RULE_LIST:
		return dump_rules(x, r, e);
	case SL_CTL_CMD_SET_LIST:
		return dump_sets(x, m, r, e);
	case SL_CTL_CMD_IFACE_LIST:
		return dump_ifaces(x, r, e);
	case SL_CTL_CMD_IFACE_ATTACH:
		if (m->tb[SL_CTL_A_XDP_MODE]) {
			mode = mnl_attr_get_u32(m->tb[SL_CTL_A_XDP_MODE]);
			if (mode > SL_XDP_MODE_GENERIC)
				return sl_ctl_errorf(e, -EINVAL, off(m, m->tb[SL_CTL_A_XDP_MODE]),
						     "xdp_mode %u is not 0 (native), 1 (native-only) or 2 (generic)",
						     mode);
		}
		err = sl_policy_iface_attach(x->pe, str(m, SL_CTL_A_IFNAME), mode, &diag);
		return err ? sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_IFNAME]), "%s", diag.msg) : 0;
	case SL_CTL_CMD_IFACE_DETACH:
		err = sl_policy_iface_detach(x->pe, str(m, SL_CTL_A_IFNAME), &diag);
		return err ? sl_ctl_errorf(e, err, off(m, m->tb[SL_CTL_A_IFNAME]), "%s", diag.msg) : 0;
	default:
		return change(x, client, m, e);
	}
}
