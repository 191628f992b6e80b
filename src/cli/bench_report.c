/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_report.c: ova-bench's three outputs from one struct bench_report:
 * a table for people, JSON for scripts (every figure, with the engine's
 * per-stage seconds), and a hand-written SVG of throughput against threads.
 *
 * The SVG is plain: one <polyline> per stage, a dashed line for qemu-img,
 * axes with round ticks.  No plotting library, so it renders the same in a
 * browser, in a README and in a CI artifact.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MB 1e6

static double ratio(double a, double b)
{
	return a > 0 && b > 0 ? a / b : -1;
}

/* ------------------------------------------------------------------ table */

static void cell(FILE *f, double v, int width, int prec)
{
	if (v < 0)
		fprintf(f, " %*s", width, "-");
	else
		fprintf(f, " %*.*f", width, prec, v);
}

#define MIB_F ((double)(1 << 20))

static const char *verdict(int met)
{
	return met ? "met" : "MISSED";
}

/* The deflate stage's speedup from 1 to 2 threads, -1 when --threads did
 * not have both; *two is the 2-thread run. */
static double deflate_speedup(const struct bench_report *r, const struct bench_run **two)
{
	const struct bench_run *one = NULL;

	*two = NULL;
	for (unsigned i = 0; i < r->nruns; i++) {
		if (r->runs[i].threads == 1)
			one = &r->runs[i];
		if (r->runs[i].threads == 2)
			*two = &r->runs[i];
	}
	return one && *two ? ratio((*two)->deflate_mbs, one->deflate_mbs) : -1;
}

/* One comparison; with `goals`, issue 14's export goals beside the figures. */
static void print_compare(FILE *f, const struct bench_report *r, const struct bench_compare *q,
			  int goals)
{
	double wall = ratio(q->ours_wall, q->qemu_wall);
	double size = ratio((double)q->ours_size, (double)q->qemu_size);

	fprintf(f, "\nqemu-img convert -f %s -O %s%s, alternating with ours (%u thread%s), ",
		q->in_format, q->target,
		strcmp(q->target, "vmdk") ? "" : " -o subformat=streamOptimized", q->threads,
		ovk_plural(q->threads));
	if (q->runs == 1)
		fputs("one run:\n", f);
	else
		fprintf(f, "median of %u runs:\n", q->runs);
	fprintf(f, "  from %s\n", q->input);
	fprintf(f, "                        qemu-img       ours  ours/qemu-img%s\n",
		goals ? "    goal" : "");
	fprintf(f, "  wall, through sync  %8.2f s %8.2f s %10.3f", q->qemu_wall, q->ours_wall, wall);
	if (goals)
		fprintf(f, "      <= %.2f  %s", EXPORT_GOAL_WALL,
			verdict(wall > 0 && wall <= EXPORT_GOAL_WALL));
	fprintf(f, "\n  CPU (user + sys)    %8.2f s %8.2f s %10.3f\n", q->qemu_cpu, q->ours_cpu,
		ratio(q->ours_cpu, q->qemu_cpu));
	if (q->ours_nosync_wall >= 0)
		fprintf(f, "  wall, no sync       %8.2f s %8.2f s %10.3f\n", q->qemu_nosync_wall,
			q->ours_nosync_wall, ratio(q->ours_nosync_wall, q->qemu_nosync_wall));
	fprintf(f, "  guest MB/s, sync    %8.1f   %8.1f\n",
		(double)r->virtual_size / q->qemu_wall / MB,
		(double)r->virtual_size / q->ours_wall / MB);
	fprintf(f, "  output size         %6.1f MiB %6.1f MiB %10.3f", q->qemu_size / MIB_F,
		q->ours_size / MIB_F, size);
	if (goals)
		fprintf(f, "      <= %.2f  %s", EXPORT_GOAL_SIZE,
			verdict(size > 0 && size <= EXPORT_GOAL_SIZE));
	fprintf(f, "\n  peak RSS            %6.1f MiB %6.1f MiB", q->qemu_maxrss / MIB_F,
		q->ours_maxrss / MIB_F);
	if (goals)
		fprintf(f, "               <= %.0f MiB  %s", EXPORT_GOAL_RSS / MIB_F,
			verdict(q->ours_maxrss <= EXPORT_GOAL_RSS));
	fputc('\n', f);
}

static void print_exports(FILE *f, const struct bench_report *r)
{
	const struct bench_run *two;
	double speedup = deflate_speedup(r, &two);

	fputs("\nExport (issue 14): ours -O vmdk, a streamOptimized VMDK, against qemu-img's.\n",
	      f);
	for (unsigned i = 0; i < r->nexport; i++)
		print_compare(f, r, &r->exports[i], 1);
	if (speedup < 0)
		fprintf(f, "\ndeflate stage, 1 -> 2 threads: not measured (--threads has no 1 and 2;"
			" goal >= %.1fx)\n", EXPORT_GOAL_SPEEDUP);
	else
		fprintf(f, "\ndeflate stage, 1 -> 2 threads, from %s: %.2fx (goal >= %.1fx: %s; "
			"%.2f cores free for 2 threads)\n", r->format, speedup, EXPORT_GOAL_SPEEDUP,
			verdict(speedup >= EXPORT_GOAL_SPEEDUP), two->cores);
}

void bench_print_table(FILE *f, const struct bench_report *r)
{
	fprintf(f, "ova-bench %s: %s\n", ovk_version(), r->image);
	fprintf(f, "  %s, %.0f MiB virtual, %.1f MiB stored%s%s%s\n", r->format,
		(double)r->virtual_size / (1 << 20), (double)r->input_size / (1 << 20),
		r->workload ? " (" : "", r->workload ? r->workload : "", r->workload ? ")" : "");
	if (r->repeat == 1)
		fputs("  one run each, input in the page cache, MB/s = 10^6 bytes/s\n", f);
	else
		fprintf(f, "  median of %u runs, input in the page cache, MB/s = 10^6 bytes/s\n",
			r->repeat);
	fprintf(f, "  load average %.2f before, %.2f after (other work skews every figure)\n\n",
		r->load_before, r->load_after);
	fprintf(f, "threads  cores     read  inflate  inflate     hash    write  deflate  end-to-end"
		"   e2e wall    e2e CPU\n");
	fprintf(f, "                     in    guest       in       in     data    guest       guest"
		"          s          s\n");
	for (unsigned i = 0; i < r->nruns; i++) {
		const struct bench_run *run = &r->runs[i];

		fprintf(f, "%7u", run->threads);
		cell(f, run->cores, 6, 2);
		cell(f, run->read_mbs, 8, 1);
		cell(f, run->inflate_mbs, 8, 1);
		cell(f, run->inflate_in_mbs, 8, 1);
		cell(f, run->hash_mbs, 8, 1);
		cell(f, run->write_mbs, 8, 1);
		cell(f, run->deflate_mbs, 8, 1);
		cell(f, run->e2e_mbs, 11, 1);
		cell(f, run->e2e_seconds, 10, 2);
		cell(f, run->e2e_cpu_seconds, 10, 2);
		fputc('\n', f);
	}
	for (unsigned i = 1; i < r->nruns; i++)
		fprintf(f, "%s%u -> %u threads: inflate %.2fx (CPU %.2f -> %.2f s), "
			"deflate %.2fx, end-to-end %.2fx\n", i == 1 ? "\nspeedup " : "        ",
			r->runs[0].threads, r->runs[i].threads,
			ratio(r->runs[i].inflate_mbs, r->runs[0].inflate_mbs),
			r->runs[0].inflate_cpu_seconds, r->runs[i].inflate_cpu_seconds,
			ratio(r->runs[i].deflate_mbs, r->runs[0].deflate_mbs),
			ratio(r->runs[i].e2e_mbs, r->runs[0].e2e_mbs));
	fputs("\ncores: the CPU capacity that many busy threads got just before; a busy machine\n"
	      "  gives fewer cores than threads, and no speedup can pass it.\n"
	      "read: pread of the file in 4 MiB stripes over the threads.\n"
	      "inflate: decoding and zero detection, nothing written.\n"
	      "hash: the SHA-256 thread, alongside inflate.\n"
	      "write: the qcow2 sink's own rate, without the fsync.\n"
	      "deflate: a conversion to a streamOptimized VMDK (grains deflated on the\n"
	      "  workers), without the fsync.\n"
	      "end-to-end: a qcow2 conversion through its fsync.\n", f);
	if (r->qemu.done)
		print_compare(f, r, &r->qemu, 0);
	if (r->nexport)
		print_exports(f, r);
}

/* ------------------------------------------------------------------- JSON */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double v)
{
	if (v < 0 || !isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.4f", v);
}

static void json_stats(FILE *f, const char *key, const struct ovk_convert_stats *st)
{
	fprintf(f, ",\n      \"%s\": {\"bytes_in\": %llu, \"bytes_out\": %llu, "
		"\"data_bytes\": %llu, ", key, (unsigned long long)st->bytes_in,
		(unsigned long long)st->bytes_out, (unsigned long long)st->data_bytes);
	fputs("\"read_seconds\": ", f);
	json_num(f, st->read_seconds);
	fputs(", \"decode_seconds\": ", f);
	json_num(f, st->decode_seconds);
	fputs(", \"encode_seconds\": ", f);
	json_num(f, st->encode_seconds);
	fputs(", \"hash_seconds\": ", f);
	json_num(f, st->hash_seconds);
	fputs(", \"write_seconds\": ", f);
	json_num(f, st->write_seconds);
	fputs(", \"wall_seconds\": ", f);
	json_num(f, st->wall_seconds);
	fprintf(f, ", \"threads\": %u}", st->threads);
}

static void json_field(FILE *f, const char *key, double v, int last)
{
	fprintf(f, "\"%s\": ", key);
	json_num(f, v);
	fputs(last ? "" : ", ", f);
}

static void json_run(FILE *f, const struct bench_run *run, int last)
{
	fprintf(f, "    {\"threads\": %u, ", run->threads);
	json_field(f, "cores", run->cores, 0);
	json_field(f, "read_mbs", run->read_mbs, 0);
	json_field(f, "inflate_mbs", run->inflate_mbs, 0);
	json_field(f, "inflate_input_mbs", run->inflate_in_mbs, 0);
	json_field(f, "inflate_cpu_seconds", run->inflate_cpu_seconds, 0);
	json_field(f, "hash_mbs", run->hash_mbs, 0);
	json_field(f, "write_mbs", run->write_mbs, 0);
	json_field(f, "deflate_mbs", run->deflate_mbs, 0);
	json_field(f, "deflate_cpu_seconds", run->deflate_cpu_seconds, 0);
	json_field(f, "end_to_end_mbs", run->e2e_mbs, 0);
	json_field(f, "end_to_end_seconds", run->e2e_seconds, 0);
	json_field(f, "end_to_end_cpu_seconds", run->e2e_cpu_seconds, 0);
	json_field(f, "qemu_img_end_to_end_mbs", run->qemu_e2e_mbs, 1);
	json_stats(f, "inflate_stats", &run->inflate_stats);
	json_stats(f, "end_to_end_stats", &run->e2e_stats);
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void json_bool(FILE *f, const char *key, int v, int last)
{
	fprintf(f, "\"%s\": %s%s", key, v ? "true" : "false", last ? "" : ", ");
}

/* One comparison's object; with `goals`, whether each export goal holds. */
static void json_compare(FILE *f, const struct bench_report *r, const struct bench_compare *q,
			 int goals, const char *indent)
{
	double size = ratio((double)q->ours_size, (double)q->qemu_size);

	fprintf(f, "{\"runs\": %u, \"ours_threads\": %u, \"input\": ", q->runs, q->threads);
	json_str(f, q->input);
	fputs(", \"input_format\": ", f);
	json_str(f, q->in_format);
	fputs(", \"target\": ", f);
	json_str(f, q->target);
	fprintf(f, ",\n%s", indent);
	json_field(f, "qemu_wall_seconds", q->qemu_wall, 0);
	json_field(f, "ours_wall_seconds", q->ours_wall, 0);
	json_field(f, "wall_ratio", ratio(q->qemu_wall, q->ours_wall), 0);
	fprintf(f, "\n%s", indent);
	json_field(f, "qemu_cpu_seconds", q->qemu_cpu, 0);
	json_field(f, "ours_cpu_seconds", q->ours_cpu, 0);
	json_field(f, "cpu_ratio", ratio(q->qemu_cpu, q->ours_cpu), 0);
	fprintf(f, "\n%s", indent);
	json_field(f, "qemu_nosync_wall_seconds", q->qemu_nosync_wall, 0);
	json_field(f, "ours_nosync_wall_seconds", q->ours_nosync_wall, 0);
	json_field(f, "nosync_wall_ratio", ratio(q->qemu_nosync_wall, q->ours_nosync_wall), 0);
	fprintf(f, "\n%s", indent);
	json_field(f, "qemu_mbs", ratio((double)r->virtual_size / MB, q->qemu_wall), 0);
	json_field(f, "ours_mbs", ratio((double)r->virtual_size / MB, q->ours_wall), 0);
	fprintf(f, "\n%s\"qemu_output_bytes\": %llu, \"ours_output_bytes\": %llu, ", indent,
		(unsigned long long)q->qemu_size, (unsigned long long)q->ours_size);
	json_field(f, "size_ratio", size, 0);
	fprintf(f, "\n%s\"qemu_max_rss_bytes\": %llu, \"ours_max_rss_bytes\": %llu",
		indent, (unsigned long long)q->qemu_maxrss, (unsigned long long)q->ours_maxrss);
	if (goals) {
		double wall = ratio(q->qemu_wall, q->ours_wall);

		fprintf(f, ",\n%s\"goals_met\": {", indent);
		json_bool(f, "wall_ratio", wall >= 1 / EXPORT_GOAL_WALL, 0);
		json_bool(f, "size_ratio", size > 0 && size <= EXPORT_GOAL_SIZE, 0);
		json_bool(f, "ours_max_rss_bytes", q->ours_maxrss <= EXPORT_GOAL_RSS, 1);
		fputc('}', f);
	}
	fputc('}', f);
}

/* "export": the goals, the deflate stage's 1 -> 2 speedup, and one
 * comparison per input. */
static void json_exports(FILE *f, const struct bench_report *r)
{
	const struct bench_run *two;
	double speedup = deflate_speedup(r, &two);

	if (!r->nexport) {
		fputs("  \"export\": null\n", f);
		return;
	}
	fputs("  \"export\": {\"goals\": {", f);
	json_field(f, "wall_ratio_min", 1 / EXPORT_GOAL_WALL, 0);
	json_field(f, "size_ratio_max", EXPORT_GOAL_SIZE, 0);
	fprintf(f, "\"ours_max_rss_bytes_max\": %llu, ", (unsigned long long)EXPORT_GOAL_RSS);
	json_field(f, "deflate_speedup_min", EXPORT_GOAL_SPEEDUP, 1);
	fputs("},\n    ", f);
	json_field(f, "deflate_speedup", speedup, 0);
	json_bool(f, "deflate_speedup_met", speedup >= EXPORT_GOAL_SPEEDUP, 0);
	fputs("\"inputs\": [\n", f);
	for (unsigned i = 0; i < r->nexport; i++) {
		fputs("    ", f);
		json_compare(f, r, &r->exports[i], 1, "     ");
		fputs(i + 1 < r->nexport ? ",\n" : "\n", f);
	}
	fputs("  ]}\n", f);
}

void bench_print_json(FILE *f, const struct bench_report *r)
{
	fprintf(f, "{\n  \"program\": \"ova-bench\", \"version\": ");
	json_str(f, ovk_version());
	fputs(",\n  \"image\": ", f);
	json_str(f, r->image);
	fputs(", \"format\": ", f);
	json_str(f, r->format);
	fputs(",\n  \"workload\": ", f);
	if (r->workload)
		json_str(f, r->workload);
	else
		fputs("null", f);
	fprintf(f, ",\n  \"virtual_size\": %llu, \"input_size\": %llu, \"repeat\": %u,\n  ",
		(unsigned long long)r->virtual_size, (unsigned long long)r->input_size, r->repeat);
	json_field(f, "load_before", r->load_before, 0);
	json_field(f, "load_after", r->load_after, 1);
	fputs(",\n", f);
	fputs("  \"units\": {\"rates\": \"MB/s, 10^6 bytes per second, median of repeat runs\", "
	      "\"read_mbs\": \"input bytes\", \"inflate_mbs\": \"guest bytes\", "
	      "\"inflate_input_mbs\": \"input bytes\", \"hash_mbs\": \"input bytes\", "
	      "\"write_mbs\": \"data bytes written, without fsync\", "
	      "\"deflate_mbs\": \"guest bytes, to a streamOptimized VMDK without fsync\", "
	      "\"end_to_end_mbs\": \"guest bytes, through fsync\", "
	      "\"cores\": \"CPU capacity that many busy threads got\"},\n", f);
	fputs("  \"runs\": [\n", f);
	for (unsigned i = 0; i < r->nruns; i++)
		json_run(f, &r->runs[i], i + 1 == r->nruns);
	fputs("  ],\n  \"qemu_img\": ", f);
	if (r->qemu.done)
		json_compare(f, r, &r->qemu, 0, "    ");
	else
		fputs("null", f);
	fputs(",\n", f);
	json_exports(f, r);
	fputs("}\n", f);
}

/* -------------------------------------------------------------------- SVG */

/* Plot geometry, in SVG user units (pixels at 100%): two panels, one
 * above the other, sharing the thread axis.  The headline is end to end,
 * ours against qemu-img at each thread count; the stages (a read stage
 * runs ten times faster than the conversion) get their own panel and
 * scale, so that they do not flatten the headline. */
#define SVG_W 840
#define SVG_H 720
#define PLOT_X0 70
#define PLOT_X1 570
#define Y_TICKS 5

struct panel {
	int y0, y1;              /* top and bottom of the plot area */
	double ymax;
	const char *title;
};

struct series {
	const char *name, *color;
	size_t field;    /* offsetof in struct bench_run */
	int dashed;
};

static const struct series headline[] = {
	{ "ova-convert", "#000000", offsetof(struct bench_run, e2e_mbs), 0 },
	{ "qemu-img convert", "#888888",
	  offsetof(struct bench_run, qemu_e2e_mbs), 1 },
};

static const struct series stages[] = {
	{ "read", "#1f77b4", offsetof(struct bench_run, read_mbs), 0 },
	{ "inflate (guest)", "#d62728", offsetof(struct bench_run, inflate_mbs), 0 },
	{ "hash SHA-256", "#2ca02c", offsetof(struct bench_run, hash_mbs), 0 },
	{ "write (qcow2 sink)", "#9467bd", offsetof(struct bench_run, write_mbs), 0 },
	{ "deflate (vmdk sink)", "#ff7f0e", offsetof(struct bench_run, deflate_mbs), 0 },
};

#define NSERIES(a) (sizeof (a) / sizeof (a)[0])

static double field_of(const struct bench_run *run, size_t off)
{
	double v;

	memcpy(&v, (const char *)run + off, sizeof v);
	return v;
}

static void xml_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* 1, 2 or 5 times a power of ten, at least raw. */
static double nice_step(double raw)
{
	double p = pow(10, floor(log10(raw))), m = raw / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

struct axes {
	double tmin, tmax;
};

static double px(const struct axes *ax, double threads)
{
	if (ax->tmax <= ax->tmin)
		return (PLOT_X0 + PLOT_X1) / 2.0;
	return PLOT_X0 + (threads - ax->tmin) / (ax->tmax - ax->tmin) * (PLOT_X1 - PLOT_X0);
}

static double py(const struct panel *pn, double mbs)
{
	return pn->y1 - mbs / pn->ymax * (pn->y1 - pn->y0);
}

/* The panel's scale: round ticks above the largest value of its series
 * times `headroom` (room for labels above the points). */
static void panel_scale(const struct bench_report *r, const struct series *sr, size_t n,
			double headroom, struct panel *pn)
{
	double top = 0;

	for (unsigned i = 0; i < r->nruns; i++)
		for (size_t s = 0; s < n; s++)
			if (field_of(&r->runs[i], sr[s].field) > top)
				top = field_of(&r->runs[i], sr[s].field);
	top *= headroom;
	if (top <= 0)
		top = 1;
	pn->ymax = nice_step(top / Y_TICKS) * Y_TICKS;
	while (pn->ymax < top)
		pn->ymax += pn->ymax / Y_TICKS;
}

static void svg_axes(FILE *f, const struct bench_report *r, const struct axes *ax,
		     const struct panel *pn)
{
	double step = pn->ymax / Y_TICKS;
	int mid = (pn->y0 + pn->y1) / 2;

	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"13\" font-weight=\"bold\">%s</text>\n",
		PLOT_X0, pn->y0 - 14, pn->title);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", PLOT_X0,
		pn->y1, PLOT_X1, pn->y1);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", PLOT_X0,
		pn->y0, PLOT_X0, pn->y1);
	for (int i = 0; i <= Y_TICKS; i++) {
		double y = py(pn, step * i);

		fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			PLOT_X0, y, PLOT_X1, y);
		fprintf(f, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			PLOT_X0 - 6, y + 4, step * i);
	}
	for (unsigned i = 0; i < r->nruns; i++) {
		double x = px(ax, r->runs[i].threads);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\"/>\n",
			x, pn->y1, x, pn->y1 + 5);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%u</text>\n", x,
			pn->y1 + 20, r->runs[i].threads);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">threads</text>\n",
		(PLOT_X0 + PLOT_X1) / 2, pn->y1 + 38);
	fprintf(f, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 18 %d)\">MB/s</text>\n", mid, mid);
}

static void svg_legend(FILE *f, const struct panel *pn, int row, const struct series *s)
{
	int y = pn->y0 + 10 + row * 22;

	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
		"stroke-width=\"2\"%s/>\n", PLOT_X1 + 20, y, PLOT_X1 + 45, y, s->color,
		s->dashed ? " stroke-dasharray=\"6 4\"" : "");
	fprintf(f, "<text x=\"%d\" y=\"%d\">", PLOT_X1 + 52, y + 4);
	xml_text(f, s->name);
	fputs("</text>\n", f);
}

/* One line per series that was measured, with a dot (and its figure as a
 * tooltip) per thread count. */
static void svg_series(FILE *f, const struct bench_report *r, const struct axes *ax,
		       const struct panel *pn, const struct series *sr, size_t n)
{
	for (size_t s = 0; s < n; s++) {
		int any = 0;

		for (unsigned i = 0; i < r->nruns; i++)
			any |= field_of(&r->runs[i], sr[s].field) >= 0;
		if (!any)
			continue;
		fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
			sr[s].color, sr[s].dashed ? " stroke-dasharray=\"6 4\"" : "");
		for (unsigned i = 0; i < r->nruns; i++) {
			double v = field_of(&r->runs[i], sr[s].field);

			if (v >= 0)
				fprintf(f, "%.1f,%.1f ", px(ax, r->runs[i].threads), py(pn, v));
		}
		fputs("\"/>\n", f);
		for (unsigned i = 0; i < r->nruns; i++) {
			double v = field_of(&r->runs[i], sr[s].field);

			if (v >= 0)
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">"
					"<title>%s, %u thread%s: %.1f MB/s</title></circle>\n",
					px(ax, r->runs[i].threads), py(pn, v), sr[s].color,
					sr[s].name, r->runs[i].threads,
					ovk_plural(r->runs[i].threads), v);
		}
		svg_legend(f, pn, (int)s, &sr[s]);
	}
}

/* Above each of our end-to-end points: its rate, and how many times
 * qemu-img's at the same thread count it is. */
static void svg_speedups(FILE *f, const struct bench_report *r, const struct axes *ax,
			 const struct panel *pn)
{
	for (unsigned i = 0; i < r->nruns; i++) {
		const struct bench_run *run = &r->runs[i];
		double x = px(ax, run->threads), y = py(pn, run->e2e_mbs) - 14;
		const char *anchor = i == 0 && r->nruns > 1 ? "start" :
				     i + 1 == r->nruns && r->nruns > 1 ? "end" : "middle";

		if (run->e2e_mbs < 0)
			continue;
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"bold\">"
			"%.0f MB/s", x, y, anchor, run->e2e_mbs);
		if (run->qemu_e2e_mbs > 0)
			fprintf(f, ", %.1fx qemu-img", run->e2e_mbs / run->qemu_e2e_mbs);
		fputs("</text>\n", f);
	}
}

static void svg_body(FILE *f, const struct bench_report *r)
{
	struct axes ax = { r->runs[0].threads, r->runs[0].threads };
	struct panel top = { 70, 300, 0, "End to end to qcow2 through sync, guest MB/s, at each "
				    "thread count" };
	struct panel low = { 400, 630, 0, "Stages, each measured alone (MB/s)" };

	for (unsigned i = 0; i < r->nruns; i++) {
		if (r->runs[i].threads < ax.tmin)
			ax.tmin = r->runs[i].threads;
		if (r->runs[i].threads > ax.tmax)
			ax.tmax = r->runs[i].threads;
	}
	panel_scale(r, headline, NSERIES(headline), 1.15, &top);
	panel_scale(r, stages, NSERIES(stages), 1, &low);
	svg_axes(f, r, &ax, &top);
	svg_series(f, r, &ax, &top, headline, NSERIES(headline));
	svg_speedups(f, r, &ax, &top);
	svg_axes(f, r, &ax, &low);
	svg_series(f, r, &ax, &low, stages, NSERIES(stages));
	fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"#555\">%s, input in the page cache; "
		"qemu-img convert -O qcow2 -m N (coroutines) at N threads</text>\n", PLOT_X0,
		SVG_H - 20, r->repeat == 1 ? "one run each" : "medians of repeated runs");
}

int bench_write_svg(const char *path, const struct bench_report *r, struct cli_err *err)
{
	FILE *f;

	if (r->nruns == 0) {
		err->errnum = EINVAL;
		snprintf(err->msg, sizeof err->msg, "%s: nothing to plot", path);
		return -1;
	}
	if (!(f = fopen(path, "w"))) {
		err->errnum = errno;
		snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SVG_W, SVG_H);
	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"14\">ova-bench %s: ", PLOT_X0,
		ovk_version());
	xml_text(f, r->workload ? r->workload : r->image);
	fputs("</text>\n", f);
	svg_body(f, r);
	fputs("</svg>\n", f);
	if (fclose(f) != 0) {
		err->errnum = errno;
		snprintf(err->msg, sizeof err->msg, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && strcasecmp(s + n - t, tail) == 0;
}

/* Whether `prog` is an executable on PATH. */
static int on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	for (const char *p = path; p && *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		snprintf(buf, sizeof buf, "%.*s/%s", (int)len, p, prog);
		if (len && access(buf, X_OK) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

enum bench_plot bench_plot_kind(const char *path, struct cli_err *err)
{
	if (ends_with(path, ".svg"))
		return PLOT_SVG;
	if (ends_with(path, ".png") && on_path("rsvg-convert"))
		return PLOT_PNG;
	if (ends_with(path, ".png"))
		cli_set_err(err, ENOENT, "--plot %s: a PNG is rendered with rsvg-convert, which is "
			    "not installed (Debian: librsvg2-bin); or name a .svg file", path);
	else
		cli_set_err(err, EINVAL, "--plot %s: name a .svg or a .png file", path);
	return PLOT_REFUSED;
}

/* The SVG beside the PNG, rendered into it, then removed. */
static int write_png(const char *path, const struct bench_report *r, struct cli_err *err)
{
	char svg[4096];
	char *argv[] = { "rsvg-convert", "-o", (char *)path, svg, NULL };
	int rc, ret = -1;

	if (snprintf(svg, sizeof svg, "%s.%ld.svg", path, (long)getpid()) >= (int)sizeof svg)
		return cli_set_err(err, ENAMETOOLONG, "--plot %s: name too long", path);
	if (bench_write_svg(svg, r, err) < 0)
		goto out;
	if ((rc = bench_spawn(argv, NULL, &cli_cancel, NULL, err)) < 0)
		goto out;
	if (rc != 0) {
		cli_set_err(err, EIO, "--plot %s: rsvg-convert failed (exit %d)", path, rc);
		goto out;
	}
	ret = 0;
out:
	unlink(svg);
	return ret;
}

int bench_write_plot(const char *path, const struct bench_report *r, struct cli_err *err)
{
	switch (bench_plot_kind(path, err)) {
	case PLOT_SVG: return bench_write_svg(path, r, err);
	case PLOT_PNG: return write_png(path, r, err);
	default: return -1;
	}
}
