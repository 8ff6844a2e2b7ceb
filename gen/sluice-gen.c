/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sluice-gen: the load-test rig (docs/load-test.md).
 *
 *   sluice-gen tx      -i IF --src A --dst B [flows, sizes, rate, --rx, --engine afxdp]
 *   sluice-gen tx      -i IF --pcap FILE [--pcap-timing | --rate R] [--loop N]
 *   sluice-gen reflect -i IF [--ports LO-HI]
 *   sluice-gen rx      -i IF [--pass]
 *   sluice-gen search  -i IF --src A --dst B [--trial S] [--loss PCT]
 *
 * One live line a second on stderr, a summary on stdout (-j: JSON).
 * Exit 0 on success, 1 on a runtime failure, 2 on bad input, 3 when the
 * asked rate was not reached. Every program is attached through a
 * bpf_link and goes when the process does, on any exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "config.h"
#include "gen/cli_parse.h"
#include "gen/flow.h"
#include "gen/hist.h"
#include "gen/plot.h"
#include "gen/reflect.h"
#include "gen/report.h"
#include "gen/rx.h"
#include "gen/search.h"
#include "gen/sizes.h"
#include "gen/template.h"
#include "gen/tx.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define EXIT_RATE 3
#define RATE_TOLERANCE 0.02 /* "reached" means within 2% of the target */

enum cmd { CMD_TX, CMD_REFLECT, CMD_RX, CMD_SEARCH };

struct opts {
	enum cmd cmd;
	const char *dev;
	const char *rx_dev;
	bool rx;
	bool rx_pass;
	bool json;
	bool quiet;
	const char *plot;  /* --plot FILE: an SVG of the run */
	double duration;   /* s; 0: until Ctrl-C (or --count) */
	double drain;      /* s to wait for packets in flight before the last read */
	double pps, bps;   /* target; both 0: as fast as possible */
	uint64_t count;
	struct sl_gen_tx_opts tx;
	bool engine_given, loop_given; /* --engine, --loop said */
	const char *src_text, *dst_text, *size_text;
	bool have_dst_mac, have_src_mac;
	/* reflect */
	struct sl_gen_reflect_opts reflect;
	/* search */
	double trial;      /* s */
	double loss_pct;   /* threshold */
	double resolution; /* fraction */
	unsigned max_trials;
	double max_pps;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One-line errors: "sluice-gen: reason". */
__attribute__((format(printf, 1, 2))) static void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("sluice-gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-gen tx|reflect|rx|search -i IF [options]\n"
		"  tx       transmit from IF (XDP live frames or AF_XDP); --rx analyses what comes back\n"
		"  reflect  send every packet arriving on IF back (swap MAC, IP, ports)\n"
		"  rx       count, check sequences and measure latency of what arrives on IF\n"
		"  search   highest rate with loss <= --loss (RFC 2544 binary search)\n"
		"common:  -i, --dev IF   -d, --duration S   -j, --json   -q, --quiet (no live lines)\n"
		"         --plot FILE    tx, rx, search: draw rates and latency into an SVG\n"
		"tx and search:\n"
		"  --src RANGE, --dst RANGE  A, A-B or A/LEN (IPv4 or IPv6; IPv6 varies the last 32 bits)\n"
		"  --sport RANGE, --dport RANGE  P or P-Q (default 40000 and 9)\n"
		"  --proto udp|tcp-syn|tcp-data|icmp   (default udp; icmp is ICMPv6 for IPv6)\n"
		"  --random          walk the flows at random (default: sequentially)\n"
		"  --vlan ID         add an 802.1Q tag\n"
		"  --size SIZES      64 | 64,128,1500 | 64:7,576:4 | imix (wire sizes, FCS included;\n"
		"                    default: the smallest that fits, 64 for IPv4 UDP)\n"
		"  --rate R          pps (10000, 1.5M) or bit/s (100Mbit, 1Gbps); default: as fast as possible\n"
		"  --count N         stop after N packets\n"
		"  --threads N       senders (default 1); --cpu N pins sender i to CPU N+i\n"
		"  --burst N         packets back to back at most when paced (default 64)\n"
		"  --batch N         the kernel's live-frames batch (default 64, at most 256);\n"
		"                    afxdp: frames per kick at most\n"
		"  --engine E        live (XDP live frames, default) or afxdp (AF_XDP TX, queue i per thread)\n"
		"  --pcap FILE       replay an Ethernet capture (afxdp; no --src/--dst/--size)\n"
		"  --pcap-timing     at the capture's own timing (else --rate, or as fast as possible)\n"
		"  --loop N          send the capture N times (default 1; 0: until -d, --count or Ctrl-C)\n"
		"  --src-mac MAC, --dst-mac MAC  (default: IF's address, ff:ff:ff:ff:ff:ff)\n"
		"  --stream N        first stream id (default 0; stream = N + CPU)\n"
		"  --rx              also analyse on IF (or --rx-dev IF2), report loss and latency\n"
		"  --rx-pass         let analysed packets through to the stack (default: drop them)\n"
		"  --drain S         wait for packets in flight before the last read (default 0.2)\n"
		"  --skip-every N    testing: never send every Nth sequence number\n"
		"search: --trial S (default 2) --loss PCT (default 0) --resolution PCT (default 1)\n"
		"        --max-rate R (default: the first trial measures it) --max-trials N (default 20)\n"
		"reflect: --ports LO-HI   reflect only TCP/UDP to these ports, pass the rest\n"
		"rx:      --pass          let analysed packets through to the stack\n");
}

static int if_mac(const char *dev, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

enum {
	O_SRC = 256, O_DST, O_SPORT, O_DPORT, O_PROTO, O_RANDOM, O_VLAN, O_SIZE, O_RATE, O_COUNT,
	O_THREADS, O_CPU, O_BURST, O_BATCH, O_SRC_MAC, O_DST_MAC, O_STREAM, O_RX, O_RX_DEV,
	O_RX_PASS, O_DRAIN, O_SKIP, O_TRIAL, O_LOSS, O_RESOLUTION, O_MAX_RATE, O_MAX_TRIALS,
	O_PORTS, O_PASS, O_PLOT, O_ENGINE, O_PCAP, O_PCAP_TIMING, O_LOOP,
};

/* The options of a replay (tx --pcap): 0 or EXIT_USAGE after saying why. */
static int check_pcap_args(struct opts *o)
{
	if (o->cmd != CMD_TX || !o->tx.pcap) {
		pr_err("--pcap-timing and --loop go with --pcap, which is for tx only");
		return EXIT_USAGE;
	}
	if (o->engine_given && o->tx.engine != SL_GEN_ENGINE_AFXDP) {
		pr_err("--pcap replays with the AF_XDP engine (--engine afxdp)");
		return EXIT_USAGE;
	}
	if (o->tx.pcap_timing && (o->pps > 0 || o->bps > 0)) {
		pr_err("--pcap-timing and --rate exclude each other");
		return EXIT_USAGE;
	}
	if (o->src_text || o->dst_text || o->size_text) {
		pr_err("--pcap sends the capture's frames as they are: no --src, --dst or --size");
		return EXIT_USAGE;
	}
	o->tx.engine = SL_GEN_ENGINE_AFXDP;
	if (!o->loop_given)
		o->tx.loops = 1;
	return 0;
}

/* Parses argv into o; returns 0, -1 after --help, or EXIT_USAGE after saying why. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'i' }, { "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "src", required_argument, NULL, O_SRC }, { "dst", required_argument, NULL, O_DST },
		{ "sport", required_argument, NULL, O_SPORT }, { "dport", required_argument, NULL, O_DPORT },
		{ "proto", required_argument, NULL, O_PROTO }, { "random", no_argument, NULL, O_RANDOM },
		{ "vlan", required_argument, NULL, O_VLAN }, { "size", required_argument, NULL, O_SIZE },
		{ "rate", required_argument, NULL, O_RATE }, { "count", required_argument, NULL, O_COUNT },
		{ "threads", required_argument, NULL, O_THREADS }, { "cpu", required_argument, NULL, O_CPU },
		{ "burst", required_argument, NULL, O_BURST }, { "batch", required_argument, NULL, O_BATCH },
		{ "src-mac", required_argument, NULL, O_SRC_MAC },
		{ "dst-mac", required_argument, NULL, O_DST_MAC },
		{ "stream", required_argument, NULL, O_STREAM }, { "rx", no_argument, NULL, O_RX },
		{ "rx-dev", required_argument, NULL, O_RX_DEV }, { "rx-pass", no_argument, NULL, O_RX_PASS },
		{ "drain", required_argument, NULL, O_DRAIN },
		{ "skip-every", required_argument, NULL, O_SKIP },
		{ "trial", required_argument, NULL, O_TRIAL }, { "loss", required_argument, NULL, O_LOSS },
		{ "resolution", required_argument, NULL, O_RESOLUTION },
		{ "max-rate", required_argument, NULL, O_MAX_RATE },
		{ "max-trials", required_argument, NULL, O_MAX_TRIALS },
		{ "ports", required_argument, NULL, O_PORTS }, { "pass", no_argument, NULL, O_PASS },
		{ "plot", required_argument, NULL, O_PLOT },
		{ "engine", required_argument, NULL, O_ENGINE }, { "pcap", required_argument, NULL, O_PCAP },
		{ "pcap-timing", no_argument, NULL, O_PCAP_TIMING },
		{ "loop", required_argument, NULL, O_LOOP },
		{ NULL, 0, NULL, 0 },
	};
	const char *sport = "40000", *dport = "9", *proto = "udp", *why;
	struct sl_gen_range r;
	uint64_t v;
	double d, unused;
	int opt;

	o->tx.first_cpu = -1;
	o->drain = 0.2;
	o->trial = 2;
	o->resolution = 0.01;
	o->max_trials = 20;
	o->duration = -1;
	memset(o->tx.spec.dst_mac, 0xff, 6);

	while ((opt = getopt_long(argc, argv, "i:d:jqh", lo, NULL)) != -1) {
		switch (opt) {
		case 'i':
			o->dev = optarg;
			break;
		case 'd':
			if (sl_gen_parse_seconds(optarg, 86400 * 365, &o->duration))
				goto bad;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		case O_SRC:
			o->src_text = optarg;
			break;
		case O_DST:
			o->dst_text = optarg;
			break;
		case O_SPORT:
			sport = optarg;
			break;
		case O_DPORT:
			dport = optarg;
			break;
		case O_PROTO:
			proto = optarg;
			break;
		case O_RANDOM:
			o->tx.flow.random = 1;
			break;
		case O_VLAN:
			if (sl_gen_parse_u64(optarg, 0, 4095, &v))
				goto bad;
			o->tx.spec.has_vlan = 1;
			o->tx.spec.vlan = (uint16_t)v;
			break;
		case O_SIZE:
			o->size_text = optarg;
			break;
		case O_RATE:
		case O_MAX_RATE:
			if (sl_gen_parse_rate(optarg, opt == O_RATE ? &o->pps : &o->max_pps,
					      opt == O_RATE ? &o->bps : &unused) ||
			    (opt == O_MAX_RATE && unused > 0)) {
				pr_err("--%s %s: not a rate (e.g. 10000, 1.5M, 100Mbit%s)",
				       opt == O_RATE ? "rate" : "max-rate", optarg,
				       opt == O_RATE ? "" : "; in pps only");
				return EXIT_USAGE;
			}
			break;
		case O_COUNT:
			if (sl_gen_parse_u64(optarg, 1, UINT64_MAX, &o->count))
				goto bad;
			break;
		case O_THREADS:
			if (sl_gen_parse_u64(optarg, 1, SL_GEN_MAX_THREADS, &v))
				goto bad;
			o->tx.threads = (unsigned)v;
			break;
		case O_CPU:
			if (sl_gen_parse_u64(optarg, 0, 4095, &v))
				goto bad;
			o->tx.first_cpu = (int)v;
			break;
		case O_BURST:
			if (sl_gen_parse_u64(optarg, 1, 1u << 20, &v))
				goto bad;
			o->tx.burst = (uint32_t)v;
			break;
		case O_BATCH:
			if (sl_gen_parse_u64(optarg, 1, 256, &v))
				goto bad;
			o->tx.batch = (uint32_t)v;
			break;
		case O_SRC_MAC:
		case O_DST_MAC:
			if (sl_gen_parse_mac(optarg, opt == O_SRC_MAC ? o->tx.spec.src_mac : o->tx.spec.dst_mac))
				goto bad;
			if (opt == O_SRC_MAC)
				o->have_src_mac = true;
			else
				o->have_dst_mac = true;
			break;
		case O_STREAM:
			if (sl_gen_parse_u64(optarg, 0, SL_GEN_MAX_STREAMS - 1, &v))
				goto bad;
			o->tx.spec.stream_base = (uint16_t)v;
			break;
		case O_RX:
			o->rx = true;
			break;
		case O_RX_DEV:
			o->rx = true;
			o->rx_dev = optarg;
			break;
		case O_RX_PASS:
		case O_PASS:
			o->rx_pass = true;
			break;
		case O_DRAIN:
			if (sl_gen_parse_seconds(optarg, 60, &o->drain))
				goto bad;
			break;
		case O_SKIP:
			if (sl_gen_parse_u64(optarg, 2, UINT32_MAX, &v))
				goto bad;
			o->tx.skip_every = (uint32_t)v;
			break;
		case O_TRIAL:
			if (sl_gen_parse_seconds(optarg, 3600, &o->trial) || o->trial < 0.1)
				goto bad;
			break;
		case O_LOSS:
			if (sl_gen_parse_seconds(optarg, 100, &o->loss_pct))
				goto bad;
			break;
		case O_RESOLUTION:
			if (sl_gen_parse_seconds(optarg, 50, &d) || d <= 0)
				goto bad;
			o->resolution = d / 100;
			break;
		case O_MAX_TRIALS:
			if (sl_gen_parse_u64(optarg, 1, 100, &v))
				goto bad;
			o->max_trials = (unsigned)v;
			break;
		case O_PLOT:
			o->plot = optarg;
			break;
		case O_ENGINE:
			if (!strcmp(optarg, "live") || !strcmp(optarg, "live-frames"))
				o->tx.engine = SL_GEN_ENGINE_LIVE;
			else if (!strcmp(optarg, "afxdp") || !strcmp(optarg, "af_xdp"))
				o->tx.engine = SL_GEN_ENGINE_AFXDP;
			else
				goto bad;
			o->engine_given = true;
			break;
		case O_PCAP:
			o->tx.pcap = optarg;
			break;
		case O_PCAP_TIMING:
			o->tx.pcap_timing = true;
			break;
		case O_LOOP:
			if (sl_gen_parse_u64(optarg, 0, UINT64_MAX, &o->tx.loops))
				goto bad;
			o->loop_given = true;
			break;
		case O_PORTS:
			if (sl_gen_parse_port_range(optarg, &r, &why)) {
				pr_err("--ports %s: %s", optarg, why);
				return EXIT_USAGE;
			}
			o->reflect.ports_set = true;
			o->reflect.port_lo = (uint16_t)r.base;
			o->reflect.port_hi = (uint16_t)(r.base + r.count - 1);
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		pr_err("unexpected argument %s", argv[optind]);
		return EXIT_USAGE;
	}
	if (!o->dev) {
		pr_err("-i IF (the interface) is required");
		return EXIT_USAGE;
	}
	if (o->plot) {
		char why_plot[256];

		/* Said now, not after a run whose plot could not be written. */
		if (o->cmd == CMD_REFLECT) {
			pr_err("--plot is for tx, rx and search");
			return EXIT_USAGE;
		}
		if (sl_gen_plot_check_path(o->plot, why_plot, sizeof(why_plot))) {
			pr_err("%s", why_plot);
			return EXIT_USAGE;
		}
	}
	if (o->cmd != CMD_TX && o->cmd != CMD_SEARCH)
		return 0;
	if (o->tx.pcap || o->tx.pcap_timing || o->loop_given)
		return check_pcap_args(o);

	/* The packet. */
	if (!o->src_text || !o->dst_text) {
		pr_err("--src and --dst are required");
		return EXIT_USAGE;
	}
	{
		int fam_src, fam_dst;

		if (sl_gen_parse_addr_range(o->src_text, &fam_src, o->tx.spec.src, &o->tx.flow.src, &why)) {
			pr_err("--src %s: %s", o->src_text, why);
			return EXIT_USAGE;
		}
		if (sl_gen_parse_addr_range(o->dst_text, &fam_dst, o->tx.spec.dst, &o->tx.flow.dst, &why)) {
			pr_err("--dst %s: %s", o->dst_text, why);
			return EXIT_USAGE;
		}
		if (fam_src != fam_dst) {
			pr_err("--src and --dst are not of the same IP version");
			return EXIT_USAGE;
		}
		o->tx.spec.family = fam_src;
	}
	if (sl_gen_parse_port_range(sport, &o->tx.flow.sport, &why)) {
		pr_err("--sport %s: %s", sport, why);
		return EXIT_USAGE;
	}
	if (sl_gen_parse_port_range(dport, &o->tx.flow.dport, &why)) {
		pr_err("--dport %s: %s", dport, why);
		return EXIT_USAGE;
	}
	o->tx.spec.sport = (uint16_t)o->tx.flow.sport.base;
	o->tx.spec.dport = (uint16_t)o->tx.flow.dport.base;
	if (!strcmp(proto, "udp")) {
		o->tx.spec.l4 = IPPROTO_UDP;
	} else if (!strcmp(proto, "tcp-syn") || !strcmp(proto, "tcp")) {
		o->tx.spec.l4 = IPPROTO_TCP;
		o->tx.spec.tcp_flags = SL_GEN_TCP_SYN;
	} else if (!strcmp(proto, "tcp-data")) {
		o->tx.spec.l4 = IPPROTO_TCP;
		o->tx.spec.tcp_flags = SL_GEN_TCP_ACK_PSH;
	} else if (!strcmp(proto, "icmp")) {
		o->tx.spec.l4 = o->tx.spec.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	} else {
		pr_err("--proto %s: one of udp, tcp-syn, tcp-data, icmp", proto);
		return EXIT_USAGE;
	}
	{
		struct sl_gen_layout lay;

		if (sl_gen_layout(&o->tx.spec, &lay)) {
			pr_err("cannot build this packet");
			return EXIT_USAGE;
		}
		char min[8];

		/* Without --size: the smallest frame that holds these headers and the payload. */
		snprintf(min, sizeof(min), "%u", lay.min_size);
		if (sl_gen_sizes_parse(o->size_text ? o->size_text : min, lay.min_size, lay.max_size,
				       &o->tx.sizes, &why) &&
		    !(o->size_text && !strcmp(o->size_text, "imix"))) {
			pr_err("--size %s: %s (%u to %u here)", o->size_text ? o->size_text : min, why,
			       lay.min_size, lay.max_size);
			return EXIT_USAGE;
		}
		/* IMIX's 64 cannot hold IPv6 headers and our payload: it becomes the minimum. */
		if (o->size_text && !strcmp(o->size_text, "imix")) {
			char mix[64];

			snprintf(mix, sizeof(mix), "%u:7,576:4,1500:1", lay.min_size);
			if (sl_gen_sizes_parse(mix, lay.min_size, lay.max_size, &o->tx.sizes, &why)) {
				pr_err("--size imix: %s", why);
				return EXIT_USAGE;
			}
		}
	}
	if (o->bps > 0)
		o->pps = o->bps / (sl_gen_sizes_mean(&o->tx.sizes) * 8);
	if (o->tx.threads > 1 && o->tx.first_cpu < 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		/* Several senders: one per core, pinned, unless the machine has fewer cores. */
		if (ncpu >= (long)o->tx.threads)
			o->tx.first_cpu = 0;
	}
	return 0;
bad:
	pr_err("bad value for option %s: %s", argv[optind - 1], optarg ? optarg : "");
	return EXIT_USAGE;
}

/* The accumulated view of a run: what tx sent, what rx saw. */
struct view {
	double t;
	struct sl_gen_tx_totals tx;
	struct sl_gen_rx_snap *rx; /* NULL without an analyser */
};

static uint64_t rx_gap_lost(const struct sl_gen_rx_snap *s)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < s->n_streams; i++)
		n += s->streams[i].lost;
	return n;
}

static uint64_t rx_distinct(const struct sl_gen_rx_snap *s)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < s->n_streams; i++)
		n += s->streams[i].received;
	return n;
}

/* Prints the live line for the interval between a and b; appends it to arr. */
static void interval(const struct opts *o, const struct view *a, const struct view *b, bool have_tx,
		     json_t *arr)
{
	double dt = b->t - a->t;
	char s1[32], s2[32], s3[32], s4[32];
	double tx_pps = 0, tx_bps = 0, rx_pps = 0;
	uint64_t lost = 0, p99 = 0, rx_pkts = 0;
	json_t *j;

	if (dt <= 0)
		return;
	if (have_tx) {
		tx_pps = (double)(b->tx.packets - a->tx.packets) / dt;
		tx_bps = (double)(b->tx.bytes - a->tx.bytes) * 8 / dt;
	}
	if (b->rx) {
		uint64_t hist[SL_GEN_HIST_BUCKETS];
		unsigned i;

		for (i = 0; i < SL_GEN_HIST_BUCKETS; i++)
			hist[i] = b->rx->hist[i] - (a->rx ? a->rx->hist[i] : 0);
		uint64_t gaps_a = a->rx ? rx_gap_lost(a->rx) : 0, gaps_b = rx_gap_lost(b->rx);

		rx_pkts = b->rx->packets - (a->rx ? a->rx->packets : 0);
		rx_pps = (double)rx_pkts / dt;
		/* Gaps filled late (reordering) can make the count go down: not a negative loss. */
		lost = gaps_b > gaps_a ? gaps_b - gaps_a : 0;
		p99 = sl_gen_hist_percentile(hist, 99, 0);
	}
	j = json_object();
	json_object_set_new(j, "t", json_real(round(b->t * 1000) / 1000));
	if (have_tx) {
		json_object_set_new(j, "tx_pps", json_real(tx_pps));
		json_object_set_new(j, "tx_bps", json_real(tx_bps));
	}
	if (b->rx) {
		json_object_set_new(j, "rx_pps", json_real(rx_pps));
		json_object_set_new(j, "lost", json_integer((json_int_t)lost));
		json_object_set_new(j, "p99_ns", json_integer((json_int_t)p99));
	}
	json_array_append_new(arr, j);
	if (o->quiet)
		return;
	fprintf(stderr, "%6.1fs", b->t);
	if (have_tx)
		fprintf(stderr, "  tx %s %s", sl_gen_fmt_pps(tx_pps, s1, sizeof(s1)),
			sl_gen_fmt_bps(tx_bps, s2, sizeof(s2)));
	if (b->rx)
		fprintf(stderr, "  rx %s  loss %llu (%.3f%%)  p99 %s",
			sl_gen_fmt_pps(rx_pps, s3, sizeof(s3)), (unsigned long long)lost,
			rx_pkts + lost ? 100.0 * (double)lost / (double)(rx_pkts + lost) : 0.0,
			rx_pkts ? sl_gen_fmt_ns((double)p99, s4, sizeof(s4)) : "-");
	fputc('\n', stderr);
}

static json_t *lat_json(const struct sl_gen_lat *l)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f}", "samples", (json_int_t)l->samples,
			 "p50", (json_int_t)l->p50, "p90", (json_int_t)l->p90, "p99",
			 (json_int_t)l->p99, "p99.9", (json_int_t)l->p999, "max",
			 (json_int_t)l->max, "mean", l->mean);
}

/*
 * The rx part of a summary. With sent (per stream, from the generator) the
 * loss is exact: sent minus received distinct; without, it is the gaps.
 */
static json_t *rx_json(const struct sl_gen_rx_snap *s, const uint64_t *sent, double secs,
		       uint64_t *lost_out)
{
	json_t *j = json_object(), *streams = json_array();
	uint64_t lost = 0, reordered = 0, dup = 0, late = 0, distinct = rx_distinct(s), expected = 0;
	struct sl_gen_lat lat;
	unsigned i, k;

	for (i = 0; i < s->n_streams; i++) {
		const struct sl_gen_rx_stream_snap *st = &s->streams[i];
		uint64_t l = st->lost;

		if (sent)
			l = sent[st->id] > st->received ? sent[st->id] - st->received : 0;
		lost += l;
		reordered += st->reordered;
		dup += st->duplicate;
		late += st->late;
		json_array_append_new(streams,
			json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "stream", st->id, "received",
				  (json_int_t)st->received, "lost", (json_int_t)l, "reordered",
				  (json_int_t)st->reordered, "duplicate", (json_int_t)st->duplicate,
				  "late", (json_int_t)st->late));
		if (sent)
			json_object_set_new(json_array_get(streams, json_array_size(streams) - 1), "sent",
					    json_integer((json_int_t)sent[st->id]));
	}
	/* Streams that sent but of which nothing arrived are all lost. */
	if (sent) {
		for (k = 0; k < SL_GEN_MAX_STREAMS; k++) {
			bool seen = false;

			for (i = 0; i < s->n_streams; i++)
				seen |= s->streams[i].id == k;
			expected += sent[k];
			if (!seen && sent[k]) {
				lost += sent[k];
				json_array_append_new(streams,
					json_pack("{s:i, s:I, s:I, s:I}", "stream", k, "sent",
						  (json_int_t)sent[k], "received", (json_int_t)0,
						  "lost", (json_int_t)sent[k]));
			}
		}
	}
	sl_gen_lat_summary(s->hist, s->lat_max_ns, s->lat_sum_ns, &lat);
	json_object_set_new(j, "packets", json_integer((json_int_t)s->packets));
	json_object_set_new(j, "distinct", json_integer((json_int_t)distinct));
	json_object_set_new(j, "bytes", json_integer((json_int_t)s->bytes));
	json_object_set_new(j, "pps", json_real(secs > 0 ? (double)s->packets / secs : 0));
	if (sent)
		json_object_set_new(j, "expected", json_integer((json_int_t)expected));
	json_object_set_new(j, "lost", json_integer((json_int_t)lost));
	json_object_set_new(j, "loss_ratio",
			    json_real(distinct + lost ? (double)lost / (double)(distinct + lost) : 0));
	json_object_set_new(j, "reordered", json_integer((json_int_t)reordered));
	json_object_set_new(j, "duplicate", json_integer((json_int_t)dup));
	json_object_set_new(j, "late", json_integer((json_int_t)late));
	json_object_set_new(j, "other", json_integer((json_int_t)s->other));
	json_object_set_new(j, "clock_errors", json_integer((json_int_t)s->clock_errors));
	json_object_set_new(j, "latency_ns", lat_json(&lat));
	json_object_set_new(j, "streams", streams);
	if (lost_out)
		*lost_out = lost;
	return j;
}

static void print_rx_text(json_t *rx)
{
	json_t *l = json_object_get(rx, "latency_ns");
	char a[32], b[32], c[32], d[32], e[32];

	printf("rx: %lld packets (%lld distinct), lost %lld (%.4f%%), reordered %lld, duplicate %lld, late %lld\n",
	       (long long)json_integer_value(json_object_get(rx, "packets")),
	       (long long)json_integer_value(json_object_get(rx, "distinct")),
	       (long long)json_integer_value(json_object_get(rx, "lost")),
	       100 * json_real_value(json_object_get(rx, "loss_ratio")),
	       (long long)json_integer_value(json_object_get(rx, "reordered")),
	       (long long)json_integer_value(json_object_get(rx, "duplicate")),
	       (long long)json_integer_value(json_object_get(rx, "late")));
	if (json_integer_value(json_object_get(l, "samples")))
		printf("latency: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s\n",
		       sl_gen_fmt_ns((double)json_integer_value(json_object_get(l, "p50")), a, sizeof(a)),
		       sl_gen_fmt_ns((double)json_integer_value(json_object_get(l, "p90")), b, sizeof(b)),
		       sl_gen_fmt_ns((double)json_integer_value(json_object_get(l, "p99")), c, sizeof(c)),
		       sl_gen_fmt_ns((double)json_integer_value(json_object_get(l, "p99.9")), d, sizeof(d)),
		       sl_gen_fmt_ns((double)json_integer_value(json_object_get(l, "max")), e, sizeof(e)));
}

static int emit(const struct opts *o, json_t *out)
{
	if (o->json) {
		if (json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS))
			return -EIO;
		putchar('\n');
	}
	fflush(stdout);
	return 0;
}

/* What one run of the generator sent and, with an analyser, what came back. */
struct trial {
	double secs;                       /* wall time */
	struct sl_gen_tx_totals tx;
	uint64_t sent[SL_GEN_MAX_STREAMS]; /* sequence numbers used per stream */
	struct sl_gen_rx_snap *rx;         /* owned by the caller; NULL without analyser */
};

/*
 * Runs the generator once at pps (0: as fast as it can) for secs (0: until
 * count or a signal), from zeroed counters, with the analyser when rx is
 * not NULL; with live, one line a second, also appended to intervals.
 * Fills res. Returns 0 or a negative errno with why.
 */
static int run_tx(const struct opts *o, struct sl_gen_tx *tx, struct sl_gen_rx *rx, double pps,
		  uint64_t count, double secs, bool live, json_t *intervals, struct trial *res,
		  char *why, size_t why_len)
{
	struct sl_gen_rx_snap *snaps[2] = { NULL, NULL };
	struct view prev = { 0 }, cur = { 0 };
	double t0, next, end;
	int err, k = 0;

	if (rx) {
		snaps[0] = calloc(1, sizeof(*snaps[0]));
		snaps[1] = calloc(1, sizeof(*snaps[1]));
		if (!snaps[0] || !snaps[1]) {
			err = -ENOMEM;
			snprintf(why, why_len, "out of memory");
			goto out;
		}
		err = sl_gen_rx_reset(rx);
		if (err) {
			snprintf(why, why_len, "cannot reset the analyser: %s", strerror(-err));
			goto out;
		}
	}
	err = sl_gen_tx_reset(tx);
	if (err) {
		snprintf(why, why_len, "cannot reset the generator: %s", strerror(-err));
		goto out;
	}
	t0 = now_s();
	err = sl_gen_tx_start(tx, pps, count);
	if (err) {
		snprintf(why, why_len, "cannot start the senders: %s", strerror(-err));
		sl_gen_tx_stop(tx, NULL, 0);
		goto out;
	}
	end = secs > 0 ? t0 + secs : INFINITY;
	next = t0 + 1;
	while (!stop && !sl_gen_tx_done(tx)) {
		double now = now_s(), until = next < end ? next : end;

		if (now >= end)
			break;
		if (now < until) {
			/* Often: sl_gen_tx_done also ends a sender whose count is sent. */
			sleep_s(until - now > 0.01 ? 0.01 : until - now);
			continue;
		}
		if (now >= next && live) {
			cur.t = now - t0;
			sl_gen_tx_totals(tx, &cur.tx);
			cur.rx = NULL;
			if (rx) {
				cur.rx = snaps[k];
				err = sl_gen_rx_read(rx, cur.rx);
				if (err) {
					snprintf(why, why_len, "cannot read the analyser: %s", strerror(-err));
					sl_gen_tx_stop(tx, NULL, 0);
					goto out;
				}
				k ^= 1;
			}
			interval(o, &prev, &cur, true, intervals);
			prev = cur;
			next += 1;
		} else if (now >= next) {
			next += 1;
		}
	}
	err = sl_gen_tx_stop(tx, why, why_len);
	res->secs = now_s() - t0;
	if (err)
		goto out;
	sl_gen_tx_totals(tx, &res->tx);
	/* The packets still in flight (rings, NAPI) arrive before the last read. */
	if (rx)
		sleep_s(o->drain);
	err = sl_gen_tx_stream_sent(tx, res->sent);
	if (err) {
		snprintf(why, why_len, "cannot read the generator's state: %s", strerror(-err));
		goto out;
	}
	if (rx) {
		res->rx = snaps[k];
		snaps[k] = NULL;
		err = sl_gen_rx_read(rx, res->rx);
		if (err) {
			snprintf(why, why_len, "cannot read the analyser: %s", strerror(-err));
			goto out;
		}
	}
out:
	free(snaps[0]);
	free(snaps[1]);
	return err;
}

/*
 * The rate a run reached: packets over the time from the first packet to
 * the last, plus one interval; the wall time when there is no window.
 */
static double achieved_pps(const struct trial *t)
{
	double window = (double)(t->tx.last_ns - t->tx.first_ns) / 1e9;

	if (t->tx.packets > 1 && t->tx.last_ns > t->tx.first_ns)
		return (double)(t->tx.packets - 1) / window;
	return t->secs > 0 ? (double)t->tx.packets / t->secs : 0;
}

static json_t *tx_json(const struct opts *o, const struct trial *t,
		       double target)
{
	double pps = achieved_pps(t);
	json_t *j = json_pack("{s:I, s:I, s:f, s:f, s:f, s:I, s:I, s:f}", "packets",
			      (json_int_t)t->tx.packets, "bytes", (json_int_t)t->tx.bytes, "seconds",
			      t->secs, "pps", pps, "bps",
			      t->tx.packets ? pps * (double)t->tx.bytes * 8 / (double)t->tx.packets : 0.0,
			      "calls",
			      (json_int_t)t->tx.calls, "burst",
			      (json_int_t)(o->tx.burst ? o->tx.burst : SL_GEN_DEFAULT_BURST),
			      "given_up_s", (double)t->tx.given_up_ns / 1e9);

	if (target > 0) {
		json_object_set_new(j, "target_pps", json_real(target));
		json_object_set_new(j, "reached", json_boolean(pps >= target * (1 - RATE_TOLERANCE)));
	}
	return j;
}

/* The engine in the tx summary, and what a replay sent. */
static void engine_json(json_t *txj, const struct sl_gen_tx_info *info)
{
	json_object_set_new(txj, "engine", json_string(info->engine));
	if (info->mode) {
		json_object_set_new(txj, "afxdp_mode", json_string(info->mode));
		json_object_set_new(txj, "queues", json_integer(info->queues));
	}
	if (info->pcap_packets)
		json_object_set_new(txj, "pcap", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "records",
			(json_int_t)info->pcap_records, "packets", (json_int_t)info->pcap_packets,
			"skipped_long", (json_int_t)info->pcap_skipped_long, "skipped_short",
			(json_int_t)info->pcap_skipped_short, "skipped_snapped",
			(json_int_t)info->pcap_skipped_snapped, "loops_done",
			(json_int_t)info->loops_done));
}

static void print_engine_text(const struct sl_gen_tx_info *info)
{
	if (!info->mode)
		return;
	printf("engine: AF_XDP, %s mode, %u queue%s\n", info->mode, info->queues,
	       info->queues == 1 ? "" : "s");
	if (info->pcap_packets)
		printf("pcap: %llu of %llu records replayed, %llu loops done; skipped: %llu too long, %llu too short, %llu cut short\n",
		       (unsigned long long)info->pcap_packets, (unsigned long long)info->pcap_records,
		       (unsigned long long)info->loops_done, (unsigned long long)info->pcap_skipped_long,
		       (unsigned long long)info->pcap_skipped_short,
		       (unsigned long long)info->pcap_skipped_snapped);
}

static int open_rx(const struct opts *o, struct sl_gen_rx **rx)
{
	struct sl_gen_rx_opts ro = { .dev = o->rx_dev ? o->rx_dev : o->dev, .pass = o->rx_pass };
	char why[256];
	int err = sl_gen_rx_open(&ro, rx, why, sizeof(why));

	if (err)
		pr_err("%s", why);
	return err;
}

static int cmd_tx(struct opts *o)
{
	struct sl_gen_tx *tx = NULL;
	struct sl_gen_rx *rx = NULL;
	struct trial res = { 0 };
	struct sl_gen_tx_info info;
	json_t *out = json_object(), *intervals = json_array(), *txj, *rxj = NULL;
	char why[256], a[32], b[32];
	double secs = o->duration;
	int err, rc = EXIT_RUNTIME;
	bool reached = true;

	if (secs < 0)
		secs = o->count || o->tx.pcap ? 0 : 10;
	err = sl_gen_tx_open(&o->tx, &tx, why, sizeof(why));
	if (err) {
		pr_err("%s", why);
		rc = err == -ENODEV || err == -EINVAL || err == -ENODATA || err == -EFBIG ||
		     err == -EMSGSIZE ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	sl_gen_tx_info(tx, &info);
	/* A replay's bit rate becomes packets from the capture's mean size. */
	if (o->tx.pcap && o->bps > 0)
		o->pps = o->bps / (info.mean_wire * 8);
	if (o->rx) {
		err = open_rx(o, &rx);
		if (err) {
			rc = err == -ENODEV ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
	}
	err = run_tx(o, tx, rx, o->pps, o->count, secs, true, intervals, &res, why, sizeof(why));
	if (err) {
		pr_err("%s", why);
		goto out;
	}
	txj = tx_json(o, &res, o->pps);
	json_object_set_new(out, "command", json_string("tx"));
	json_object_set_new(out, "dev", json_string(o->dev));
	json_object_set_new(out, "tx", txj);
	sl_gen_tx_info(tx, &info);
	engine_json(txj, &info);
	if (rx) {
		rxj = rx_json(res.rx, res.sent, res.secs, NULL);
		json_object_set_new(out, "rx", rxj);
	}
	json_object_set_new(out, "intervals", json_incref(intervals));
	if (!o->json) {
		printf("tx: %llu packets in %.2f s: %s, %s\n", (unsigned long long)res.tx.packets, res.secs,
		       sl_gen_fmt_pps(json_real_value(json_object_get(txj, "pps")), a, sizeof(a)),
		       sl_gen_fmt_bps(json_real_value(json_object_get(txj, "bps")), b, sizeof(b)));
		print_engine_text(&info);
		if (rxj)
			print_rx_text(rxj);
	}
	if (emit(o, out))
		goto out;
	if (o->plot) {
		char title[128];

		snprintf(title, sizeof(title), "sluice-gen tx on %s", o->dev);
		if (sl_gen_report_plot(o->plot, title, "time (s)", intervals, res.rx ? res.rx->hist : NULL,
				       res.rx ? res.rx->lat_max_ns : 0, why, sizeof(why))) {
			pr_err("%s", why);
			goto out;
		}
	}
	if (o->pps > 0 && !json_is_true(json_object_get(txj, "reached")))
		reached = false;
	/* A count reached before the duration is not a rate failure either way. */
	if (!reached && !stop) {
		pr_err("rate %s not reached: %s (pacing gave up %.3f s of lateness)",
		       sl_gen_fmt_pps(o->pps, a, sizeof(a)),
		       sl_gen_fmt_pps(json_real_value(json_object_get(txj, "pps")), b, sizeof(b)),
		       (double)res.tx.given_up_ns / 1e9);
		rc = EXIT_RATE;
		goto out;
	}
	rc = 0;
out:
	free(res.rx);
	json_decref(intervals);
	json_decref(out);
	sl_gen_rx_close(rx);
	sl_gen_tx_close(tx);
	return rc;
}

static int cmd_search(struct opts *o)
{
	struct sl_gen_tx *tx = NULL;
	struct sl_gen_rx *rx = NULL;
	struct sl_gen_search s;
	json_t *out = json_object(), *trials = json_array(), *scratch = json_array();
	json_t *plot_pts = json_array();
	struct sl_gen_rx_snap *best = NULL; /* the last trial that passed, for --plot */
	char why[256], a[32], b[32];
	double rate, elapsed = 0;
	int err, rc = EXIT_RUNTIME;

	err = sl_gen_tx_open(&o->tx, &tx, why, sizeof(why));
	if (err) {
		pr_err("%s", why);
		rc = err == -ENODEV || err == -EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	err = open_rx(o, &rx);
	if (err) {
		rc = err == -ENODEV ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	sl_gen_search_init(&s, o->max_pps, o->resolution, o->max_trials);
	while (!stop) {
		struct trial t = { 0 };
		uint64_t lost = 0;
		double loss_pct, pps;
		bool pass;
		json_t *rxj;

		/* Without --max-rate the first trial, unpaced, measures the maximum. */
		rate = s.max > 0 ? sl_gen_search_next(&s) : 0;
		if (s.max > 0 && rate <= 0)
			break;
		err = run_tx(o, tx, rx, rate, 0, o->trial, false, scratch, &t, why, sizeof(why));
		if (err) {
			pr_err("%s", why);
			free(t.rx);
			goto out;
		}
		if (stop) {
			free(t.rx);
			break;
		}
		rxj = rx_json(t.rx, t.sent, t.secs, &lost);
		pps = achieved_pps(&t);
		loss_pct = t.tx.packets ? 100.0 * (double)lost / (double)(t.tx.packets) : 100;
		pass = t.tx.packets > 0 && loss_pct <= o->loss_pct;
		if (s.max <= 0) {
			sl_gen_search_init(&s, pps, o->resolution, o->max_trials);
			rate = pps;
		}
		sl_gen_search_record(&s, rate, pass);
		/* The plot: one point per trial at its end; the latency of the last pass, the result. */
		elapsed += t.secs;
		json_array_append_new(plot_pts, json_pack("{s:f, s:f, s:f, s:f}", "t", elapsed, "target_pps",
			rate, "tx_pps", pps, "rx_pps",
			t.secs > 0 ? (double)rx_distinct(t.rx) / t.secs : 0.0));
		if (pass) {
			free(best);
			best = t.rx;
			t.rx = NULL;
		}
		free(t.rx);
		json_array_append_new(trials,
			json_pack("{s:f, s:f, s:I, s:I, s:f, s:b, s:o}", "target_pps", rate,
				  "tx_pps", pps, "sent", (json_int_t)t.tx.packets, "lost",
				  (json_int_t)lost, "loss_pct", loss_pct, "pass", pass,
				  "latency_ns", json_incref(json_object_get(rxj, "latency_ns"))));
		json_decref(rxj);
		if (!o->quiet)
			fprintf(stderr, "trial %u: %s offered, sent %s, loss %.4f%%: %s\n", s.trials,
				sl_gen_fmt_pps(rate, a, sizeof(a)), sl_gen_fmt_pps(pps, b, sizeof(b)),
				loss_pct, pass ? "pass" : "fail");
	}
	if (stop) {
		pr_err("search interrupted");
		goto out;
	}
	json_object_set_new(out, "command", json_string("search"));
	json_object_set_new(out, "dev", json_string(o->dev));
	json_object_set_new(out, "loss_threshold_pct", json_real(o->loss_pct));
	json_object_set_new(out, "trial_s", json_real(o->trial));
	json_object_set_new(out, "max_pps", json_real(s.max));
	json_object_set_new(out, "result_pps", json_real(sl_gen_search_result(&s)));
	json_object_set_new(out, "result_bps",
			    json_real(sl_gen_search_result(&s) * sl_gen_sizes_mean(&o->tx.sizes) * 8));
	json_object_set_new(out, "trials", json_incref(trials));
	if (!o->json)
		printf("search: highest rate with loss <= %g%%: %s (%s), %u trials of %.3g s\n",
		       o->loss_pct, sl_gen_fmt_pps(sl_gen_search_result(&s), a, sizeof(a)),
		       sl_gen_fmt_bps(sl_gen_search_result(&s) * sl_gen_sizes_mean(&o->tx.sizes) * 8, b,
				      sizeof(b)),
		       s.trials, o->trial);
	if (emit(o, out))
		goto out;
	if (o->plot) {
		char title[128];

		snprintf(title, sizeof(title), "sluice-gen search on %s", o->dev);
		if (sl_gen_report_plot(o->plot, title, "time (s), one point per trial", plot_pts,
				       best ? best->hist : NULL, best ? best->lat_max_ns : 0, why,
				       sizeof(why))) {
			pr_err("%s", why);
			goto out;
		}
	}
	rc = 0;
out:
	free(best);
	json_decref(plot_pts);
	json_decref(scratch);
	json_decref(trials);
	json_decref(out);
	sl_gen_rx_close(rx);
	sl_gen_tx_close(tx);
	return rc;
}

/* reflect and rx: attach, a live line a second until the duration or a signal. */
static int cmd_passive(struct opts *o)
{
	struct sl_gen_reflect *rf = NULL;
	struct sl_gen_rx *rx = NULL;
	struct sl_gen_rx_snap *snaps[2] = { NULL, NULL };
	struct sl_gen_reflect_cpu r0 = { 0 }, r1;
	json_t *out = json_object(), *intervals = json_array();
	double t0, next, end, secs = o->duration > 0 ? o->duration : INFINITY, last = 0;
	char why[256], a[32];
	int err, rc = EXIT_RUNTIME, k = 0;
	struct view prev = { 0 }, cur = { 0 };

	if (o->cmd == CMD_REFLECT) {
		o->reflect.dev = o->dev;
		err = sl_gen_reflect_open(&o->reflect, &rf, why, sizeof(why));
		if (err) {
			pr_err("%s", why);
			rc = err == -ENODEV ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
	} else {
		snaps[0] = calloc(1, sizeof(*snaps[0]));
		snaps[1] = calloc(1, sizeof(*snaps[1]));
		if (!snaps[0] || !snaps[1]) {
			pr_err("out of memory");
			goto out;
		}
		err = open_rx(o, &rx);
		if (err) {
			rc = err == -ENODEV ? EXIT_USAGE : EXIT_RUNTIME;
			goto out;
		}
	}
	if (!o->quiet)
		fprintf(stderr, "sluice-gen: %s on %s; Ctrl-C stops\n",
			o->cmd == CMD_REFLECT ? "reflecting" : "analysing", o->dev);
	t0 = now_s();
	end = t0 + secs;
	next = t0 + 1;
	while (!stop) {
		double now = now_s();

		if (now >= end)
			break;
		if (now < next) {
			sleep_s(next - now > 0.05 ? 0.05 : next - now);
			continue;
		}
		next += 1;
		if (rf) {
			err = sl_gen_reflect_read(rf, &r1);
			if (err)
				break;
			json_array_append_new(intervals, json_pack("{s:f, s:f}", "t", now - t0, "reflected_pps",
				(double)(r1.reflected - r0.reflected) / (now - t0 - last)));
			if (!o->quiet)
				fprintf(stderr, "%6.1fs  reflected %s  passed %llu\n", now - t0,
					sl_gen_fmt_pps((double)(r1.reflected - r0.reflected) / (now - t0 - last), a,
						       sizeof(a)),
					(unsigned long long)(r1.passed - r0.passed));
			r0 = r1;
			last = now - t0;
		} else {
			cur.t = now - t0;
			cur.rx = snaps[k];
			err = sl_gen_rx_read(rx, cur.rx);
			if (err)
				break;
			k ^= 1;
			interval(o, &prev, &cur, false, intervals);
			prev = cur;
		}
	}
	json_object_set_new(out, "command", json_string(rf ? "reflect" : "rx"));
	json_object_set_new(out, "dev", json_string(o->dev));
	json_object_set_new(out, "seconds", json_real(now_s() - t0));
	if (rf) {
		err = sl_gen_reflect_read(rf, &r1);
		if (err) {
			pr_err("cannot read the reflector's counters: %s", strerror(-err));
			goto out;
		}
		json_object_set_new(out, "reflect", json_pack("{s:I, s:I, s:I}", "reflected",
			(json_int_t)r1.reflected, "bytes", (json_int_t)r1.reflected_bytes, "passed",
			(json_int_t)r1.passed));
		if (!o->json)
			printf("reflect: %llu packets reflected (%llu bytes), %llu passed\n",
			       (unsigned long long)r1.reflected, (unsigned long long)r1.reflected_bytes,
			       (unsigned long long)r1.passed);
	} else {
		json_t *rxj;

		err = sl_gen_rx_read(rx, snaps[k]);
		if (err) {
			pr_err("cannot read the analyser: %s", strerror(-err));
			goto out;
		}
		rxj = rx_json(snaps[k], NULL, now_s() - t0, NULL);
		json_object_set_new(out, "rx", rxj);
		if (!o->json)
			print_rx_text(rxj);
	}
	json_object_set_new(out, "intervals", json_incref(intervals));
	if (emit(o, out))
		goto out;
	if (o->plot && rx) {
		char title[128];

		snprintf(title, sizeof(title), "sluice-gen rx on %s", o->dev);
		if (sl_gen_report_plot(o->plot, title, "time (s)", intervals, snaps[k]->hist,
				       snaps[k]->lat_max_ns, why, sizeof(why))) {
			pr_err("%s", why);
			goto out;
		}
	}
	rc = 0;
out:
	free(snaps[0]);
	free(snaps[1]);
	json_decref(intervals);
	json_decref(out);
	sl_gen_reflect_close(rf);
	sl_gen_rx_close(rx);
	return rc;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's own chatter only with SLUICE_GEN_DEBUG; our one-line reason says enough. */
	if (level == LIBBPF_DEBUG || !getenv("SLUICE_GEN_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o = { 0 };
	int rc;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "tx"))
		o.cmd = CMD_TX;
	else if (!strcmp(argv[1], "reflect"))
		o.cmd = CMD_REFLECT;
	else if (!strcmp(argv[1], "rx"))
		o.cmd = CMD_RX;
	else if (!strcmp(argv[1], "search"))
		o.cmd = CMD_SEARCH;
	else {
		pr_err("unknown command %s (tx, reflect, rx or search)", argv[1]);
		return EXIT_USAGE;
	}
	rc = parse_args(argc - 1, argv + 1, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.cmd == CMD_TX || o.cmd == CMD_SEARCH) {
		if (!if_nametoindex(o.dev)) {
			pr_err("no interface %s in this namespace", o.dev);
			return EXIT_USAGE;
		}
		if (!o.have_src_mac && if_mac(o.dev, o.tx.spec.src_mac)) {
			pr_err("cannot read the MAC address of %s", o.dev);
			return EXIT_RUNTIME;
		}
		o.tx.dev = o.dev;
	}
	if (geteuid() != 0) {
		pr_err("must run as root (it loads and attaches XDP programs)");
		return EXIT_RUNTIME;
	}
	libbpf_set_print(libbpf_print);
	/* Paced senders sleep to the microsecond; the default 50 us slack would blur that. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	switch (o.cmd) {
	case CMD_TX:
		return cmd_tx(&o);
	case CMD_SEARCH:
		return cmd_search(&o);
	default:
		return cmd_passive(&o);
	}
}
