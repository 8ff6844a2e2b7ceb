/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * livegen: the packet generator of benchmarks/drop_rate.sh, until sluice
 * has its own. It runs xdp/bench_tx.bpf.c (return XDP_TX) through
 * BPF_PROG_TEST_RUN in live-frames mode: the kernel turns every
 * repetition into a real transmission of the one pre-built frame out of
 * the interface named as the context's ingress interface. On a veth that
 * is a transmission to the peer, whose NAPI then receives it.
 *
 * Bounded in time (--duration) and in packets (--max-packets); prints one
 * JSON object with what it sent. Run it in the namespace of --dev.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "args.h"
#include "bench_tx.skel.h"
#include "benchmarks/frame.h"

#define CALL_REPEAT_MAX (1 << 22) /* repetitions per BPF_PROG_TEST_RUN call */
#define CALL_REPEAT_MIN 1024

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: livegen --dev IF --dst-mac MAC --src IP --dst IP [options]\n"
		"  --dev IF          interface to transmit from (the frames go to its peer)\n"
		"  --dst-mac MAC     destination MAC (the receiver's)\n"
		"  --src-mac MAC     source MAC (default: 02:00:00:00:00:02)\n"
		"  --src IP, --dst IP  IPv4 addresses of the frame\n"
		"  --proto tcp|udp   (default udp)\n"
		"  --sport N, --dport N  ports (default 40000 and 9)\n"
		"  --tcp-flags N     TCP flags byte (default 0x02, SYN)\n"
		"  --duration S      seconds to send for (default 5)\n"
		"  --max-packets N   stop after this many (default 2000000000)\n"
		"  --batch N         frames per batch in the kernel (default 64, at most 256)\n"
		"  --cpu N           CPU to run on (default: not pinned)\n");
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "dev", required_argument, NULL, 'd' },     { "dst-mac", required_argument, NULL, 'M' },
		{ "src-mac", required_argument, NULL, 'm' }, { "src", required_argument, NULL, 's' },
		{ "dst", required_argument, NULL, 'D' },     { "proto", required_argument, NULL, 'p' },
		{ "sport", required_argument, NULL, 'x' },   { "dport", required_argument, NULL, 'y' },
		{ "tcp-flags", required_argument, NULL, 'f' }, { "duration", required_argument, NULL, 't' },
		{ "max-packets", required_argument, NULL, 'n' }, { "batch", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'c' },     { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_bench_frame_spec spec = {
		.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
		.proto = IPPROTO_UDP,
		.sport = 40000,
		.dport = 9,
		.tcp_flags = 0x02,
	};
	const char *dev = NULL;
	bool have_dst_mac = false, have_src = false, have_dst = false;
	long duration_ms = 5000, max_packets = 2000000000L, batch = 64, cpu = -1, v;
	struct xdp_md ctx = { 0 };
	struct bench_tx *skel = NULL;
	uint8_t frame[SL_BENCH_FRAME_LEN];
	uint64_t sent = 0, calls = 0, max_calls;
	long call_repeat = 65536;
	double t0, elapsed = 0;
	int opt, frame_len, err = 0;
	json_t *out = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	double dv;
	char *end;

	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'M':
			if (sl_bench_parse_mac(optarg, spec.dst_mac))
				goto bad_arg;
			have_dst_mac = true;
			break;
		case 'm':
			if (sl_bench_parse_mac(optarg, spec.src_mac))
				goto bad_arg;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, spec.src) != 1)
				goto bad_arg;
			have_src = true;
			break;
		case 'D':
			if (inet_pton(AF_INET, optarg, spec.dst) != 1)
				goto bad_arg;
			have_dst = true;
			break;
		case 'p':
			if (!strcmp(optarg, "tcp"))
				spec.proto = IPPROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				spec.proto = IPPROTO_UDP;
			else
				goto bad_arg;
			break;
		case 'x':
		case 'y':
			if (sl_bench_parse_long(optarg, 0, 65535, &v))
				goto bad_arg;
			if (opt == 'x')
				spec.sport = (uint16_t)v;
			else
				spec.dport = (uint16_t)v;
			break;
		case 'f':
			if (sl_bench_parse_long(optarg, 0, 255, &v))
				goto bad_arg;
			spec.tcp_flags = (uint8_t)v;
			break;
		case 't':
			errno = 0;
			dv = strtod(optarg, &end);
			if (errno || end == optarg || *end || dv <= 0 || dv > 3600)
				goto bad_arg;
			duration_ms = (long)(dv * 1000);
			break;
		case 'n':
			if (sl_bench_parse_long(optarg, 1, LONG_MAX, &max_packets))
				goto bad_arg;
			break;
		case 'b':
			if (sl_bench_parse_long(optarg, 1, 256, &batch))
				goto bad_arg;
			break;
		case 'c':
			if (sl_bench_parse_long(optarg, 0, CPU_SETSIZE - 1, &cpu))
				goto bad_arg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad_arg;
		}
	}
	if (optind != argc || !dev || !have_dst_mac || !have_src || !have_dst) {
bad_arg:
		usage(stderr);
		return 2;
	}

	ctx.ingress_ifindex = if_nametoindex(dev);
	if (!ctx.ingress_ifindex) {
		fprintf(stderr, "livegen: no interface %s in this namespace\n", dev);
		return 1;
	}
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "livegen: cannot run on CPU %ld: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	frame_len = sl_bench_frame_build(&spec, frame, sizeof(frame));
	if (frame_len < 0) {
		fprintf(stderr, "livegen: cannot build the frame: %s\n", strerror(-frame_len));
		return 1;
	}
	ctx.data_end = frame_len;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	skel = bench_tx__open_and_load();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "livegen: cannot load the generator program: %s\n", strerror(errno));
		goto out;
	}

	/*
	 * The kernel runs a call to the end (or to a signal), so a call is
	 * kept short: its repetitions are sized from the rate seen so far to
	 * about a tenth of a second. The call count bounds the loop even if
	 * the clock did not move.
	 */
	max_calls = (uint64_t)duration_ms * 100 + 1000;
	t0 = now_s();
	while (!stop && sent < (uint64_t)max_packets && calls < max_calls) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = frame_len,
			    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx),
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = (uint32_t)batch);
		long left = max_packets - (long)sent;

		o.repeat = (int)(call_repeat < left ? call_repeat : left);
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.bench_tx), &o)) {
			if (errno == EINTR)
				break;
			err = -errno;
			fprintf(stderr, "livegen: BPF_PROG_TEST_RUN (live frames) on %s: %s\n", dev,
				strerror(errno));
			goto out;
		}
		sent += (uint64_t)o.repeat;
		calls++;
		elapsed = now_s() - t0;
		if (elapsed * 1000 >= duration_ms)
			break;
		/* Aim at 0.1 s per call at the rate seen so far. */
		if (elapsed > 0) {
			double want = sent / elapsed / 10;

			call_repeat = want > CALL_REPEAT_MAX ? CALL_REPEAT_MAX :
				      want < CALL_REPEAT_MIN ? CALL_REPEAT_MIN : (long)want;
		}
	}
	elapsed = now_s() - t0;
	out = json_pack("{s:s, s:I, s:f, s:f, s:I, s:i, s:i}", "dev", dev, "packets",
			(json_int_t)sent, "seconds", elapsed, "pps", elapsed > 0 ? sent / elapsed : 0.0,
			"calls", (json_int_t)calls, "batch", (int)batch, "frame_len", frame_len);
	if (!out || json_dumpf(out, stdout, JSON_COMPACT | JSON_SORT_KEYS)) {
		err = -ENOMEM;
		goto out;
	}
	putchar('\n');
	if (!sent) {
		fprintf(stderr, "livegen: nothing was sent\n");
		err = -EIO;
	}
out:
	json_decref(out);
	bench_tx__destroy(skel);
	return err ? 1 : 0;
}
