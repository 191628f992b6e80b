/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ova-convert: a qemu-img-style converter over libovakit.
 *
 *   ova-convert [-f FMT] [-O FMT] [-o OPTS] [-c] [-p] [-j N] [--force]
 *               [--no-sync] INPUT OUTPUT
 *   ova-convert --info [--json] [-f FMT] INPUT
 *   ova-convert --overlay BACKING [-F FMT] OUTPUT
 *   ova-convert [--disk N] [--no-verify] APPLIANCE OUTDIR|FILE|-
 *
 * Everything real happens in the library; this file parses arguments,
 * prints, and maps errors to exit codes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clicommon.h"

/* -o may be given several times; the joined string is bounded for sanity. */
#define MAX_OPTIONS_LEN 4096

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ova-convert [OPTIONS] INPUT OUTPUT\n"
		"       ova-convert --info [--json] [--verify] [-f FMT] INPUT\n"
		"       ova-convert --overlay BACKING [-F FMT] OUTPUT\n"
		"       ova-convert [OPTIONS] [--config ID] APPLIANCE OUTDIR/|FILE|-\n"
		"\n"
		"Convert a virtual disk (VMDK, qcow2, raw, VHD, VHDX, VDI) to qcow2, raw or VMDK,\n"
		"or every disk of an appliance (OVA, OVF, or a directory with one OVF) to\n"
		"OUTDIR/<vm>-<disk>.qcow2, checking its manifest in the same pass.  OUTDIR is\n"
		"created when its parent exists.  With one disk (or --disk N) the output may\n"
		"be a FILE.  OUTPUT '-' is stdout (-O raw only: other formats seek).\n"
		"\n"
		"Options:\n"
		"  -f, --format FMT        input format (default: probe the content)\n"
		"  -O, --to FMT            output format: qcow2, raw or vmdk (default raw)\n"
		"  -o OPTIONS              output options, e.g. cluster_size=64k,compression_type=zstd\n"
		"                          (qcow2); subformat=streamOptimized|monolithicSparse,\n"
		"                          adapter_type=lsilogic|ide|buslogic|legacyESX,\n"
		"                          hwversion=N, tools_version=N (vmdk)\n"
		"  -c, --compress          compress the output (qcow2; a streamOptimized vmdk always is)\n"
		"  -p, --progress          show progress\n"
		"  -j, --threads N         worker threads (default: online CPUs)\n"
		"      --force             overwrite an existing OUTPUT\n"
		"      --no-sync           do not fsync OUTPUT before renaming it into place\n"
		"      --allow-unsafe-paths  follow absolute or '..' extent and backing paths\n"
		"      --info              describe INPUT\n"
		"      --json              with --info: print JSON\n"
		"      --verify            with --info on an appliance: hash every member the\n"
		"                          manifest lists (else only the descriptor is checked)\n"
		"      --overlay BACKING   create an empty qcow2 OUTPUT over BACKING\n"
		"  -F, --backing-format FMT  format of BACKING (default: probe)\n"
		"      --disk N            appliance: convert only the Nth disk\n"
		"      --no-verify         appliance: do not check the manifest\n"
		"      --require-signature appliance: refuse a manifest not signed by a trusted\n"
		"                          signer (with SHA256 or SHA512)\n"
		"      --trust FILE        appliance: trust the CA bundle or certificate FILE\n"
		"                          for signatures, instead of the system's store\n"
		"                          (repeatable)\n"
		"      --config ID         appliance: the deployment configuration (default:\n"
		"                          the OVF's; --info lists them)\n"
		"  -h, --help              show this help\n"
		"  -V, --version           show the version\n"
		"\n"
		"Exit status: 0 ok, 1 failure, 2 usage error, 130/143 interrupted.\n");
}

struct args {
	struct ovk_convert_opts opts;
	struct ovk_appliance_opts app;
	char options[MAX_OPTIONS_LEN];
	int info, json, progress;
	const char *overlay;
	const char *backing_format;
	const char *input, *output;
	const char *trust[CLI_MAX_TRUST + 1];
	size_t n_trust;
};

enum {
	OPT_FORCE = 256, OPT_NO_SYNC, OPT_INFO, OPT_JSON, OPT_OVERLAY, OPT_UNSAFE, OPT_DISK,
	OPT_NO_VERIFY, OPT_REQUIRE_SIGNATURE, OPT_CONFIG, OPT_VERIFY, OPT_TRUST,
};

static int add_options(struct args *a, const char *s)
{
	size_t used = strlen(a->options);

	if (used + strlen(s) + 2 > sizeof a->options)
		return -1;
	if (used)
		strcat(a->options, ",");
	strcat(a->options, s);
	return 0;
}

/* The files after the options, as the mode wants them: EXIT_USAGE, or -1
 * to go on. */
static int parse_files(int argc, char **argv, struct args *a)
{
	int n = argc - optind;

	if ((a->json || a->app.verify_all) && !a->info) {
		cli_error("%s goes with --info", a->json ? "--json" : "--verify");
		return EXIT_USAGE;
	}
	if (a->overlay && n == 0) {
		cli_error("--overlay %s: name the overlay to create (ova-convert --overlay BACKING "
			  "OUTPUT)", a->overlay);
		return EXIT_USAGE;
	}
	if ((a->info || a->overlay) && n != 1) {
		cli_error("%s takes exactly one file%s", a->info ? "--info" : "--overlay",
			  a->info ? "" : ", the OUTPUT overlay (its BACKING is the option's value)");
		return EXIT_USAGE;
	}
	if (!a->info && !a->overlay && n != 2) {
		cli_error("need INPUT and OUTPUT (see --help)");
		return EXIT_USAGE;
	}
	a->input = argv[optind];
	a->output = n == 2 ? argv[optind + 1] : argv[optind];
	if (n == 2 && strcmp(a->output, "-") == 0) {
		if (isatty(STDOUT_FILENO)) {
			cli_error("-: stdout is a terminal; redirect it (> FILE, | CMD) or name "
				  "an output file");
			return EXIT_USAGE;
		}
		a->opts.to_stream = 1;
		a->opts.stream_fd = STDOUT_FILENO;
		a->output = "stdout";
	}
	if (a->options[0])
		a->opts.options = a->options;
	return -1;
}

/* Returns 0, or an exit code to leave with (-1: go on). */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 'O' },
		{ "compress", no_argument, NULL, 'c' },
		{ "progress", no_argument, NULL, 'p' },
		{ "threads", required_argument, NULL, 'j' },
		{ "backing-format", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "info", no_argument, NULL, OPT_INFO },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "overlay", required_argument, NULL, OPT_OVERLAY },
		{ "allow-unsafe-paths", no_argument, NULL, OPT_UNSAFE },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "require-signature", no_argument, NULL, OPT_REQUIRE_SIGNATURE },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, n;

	while ((c = cli_getopt(argc, argv, "f:O:o:cpj:F:hV", longopts)) != -1) {
		switch (c) {
		case 'f': a->opts.in_format = optarg; break;
		case 'O': a->opts.out_format = optarg; break;
		case 'o':
			if (add_options(a, optarg) < 0) {
				cli_error("-o: options too long");
				return EXIT_USAGE;
			}
			break;
		case 'c': a->opts.compress = 1; break;
		case 'p': a->progress = 1; break;
		case 'j':
			if ((n = cli_parse_count(optarg)) < 0) {
				cli_error("-j: '%s' is not a thread count (1-1024)", optarg);
				return EXIT_USAGE;
			}
			a->opts.threads = (unsigned)n;
			break;
		case 'F': a->backing_format = optarg; break;
		case OPT_FORCE: a->opts.force = 1; break;
		case OPT_NO_SYNC: a->opts.no_sync = 1; break;
		case OPT_INFO: a->info = 1; break;
		case OPT_JSON: a->json = 1; break;
		case OPT_OVERLAY: a->overlay = optarg; break;
		case OPT_UNSAFE: a->opts.open_flags |= OVK_OPEN_UNSAFE_PATHS; break;
		case OPT_DISK:
			if ((n = cli_parse_count(optarg)) < 0) {
				cli_error("--disk: '%s' is not a disk number", optarg);
				return EXIT_USAGE;
			}
			a->app.disk = (unsigned)n;
			break;
		case OPT_NO_VERIFY: a->app.no_verify = 1; break;
		case OPT_VERIFY: a->app.verify_all = 1; break;
		case OPT_REQUIRE_SIGNATURE: a->app.require_signature = 1; break;
		case OPT_TRUST:
			if (cli_add_trust(a->trust, &a->n_trust, optarg) < 0)
				return EXIT_USAGE;
			break;
		case OPT_CONFIG:
			if (!*optarg) {
				cli_error("--config: empty");
				return EXIT_USAGE;
			}
			a->app.config = optarg;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': cli_version(); return 0;
		default:
			return EXIT_USAGE;
		}
	}
	return parse_files(argc, argv, a);
}

/* Notes about an appliance (what was verified) are held back until the
 * end: a failure is then one line, and a success tells the whole story. */
#define MAX_NOTES 64
struct notes {
	char *msg[MAX_NOTES];
	int warning[MAX_NOTES];
	int n;
};

static void keep_note(void *opaque, int warning, const char *msg)
{
	struct notes *nt = opaque;

	if (nt->n < MAX_NOTES && (nt->msg[nt->n] = strdup(msg)))
		nt->warning[nt->n++] = warning;
}

static void flush_notes(struct notes *nt, int print)
{
	for (int i = 0; i < nt->n; i++) {
		if (print && nt->warning[i])
			cli_warn("%s", nt->msg[i]);
		else if (print)
			cli_note("%s", nt->msg[i]);
		free(nt->msg[i]);
	}
	nt->n = 0;
}

static void print_note(void *opaque, const char *msg)
{
	cli_progress_break(opaque);
	cli_note("%s", msg);
}

static int format_listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

/* Format names and -o options are usage errors, found before any work. */
static int check_formats(const struct args *a)
{
	char known[256];

	if (a->opts.in_format && !format_listed(ovk_input_formats(), a->opts.in_format)) {
		cli_error("-f: unknown input format '%s' (one of: %s)", a->opts.in_format,
			  cli_join(ovk_input_formats(), known, sizeof known));
		return -1;
	}
	if (a->backing_format && !format_listed(ovk_input_formats(), a->backing_format)) {
		cli_error("-F: unknown backing format '%s' (one of: %s)", a->backing_format,
			  cli_join(ovk_input_formats(), known, sizeof known));
		return -1;
	}
	if (a->backing_format && !a->overlay) {
		cli_error("-F names the backing format of --overlay");
		return -1;
	}
	if (!a->overlay &&
	    ovk_check_output(a->opts.out_format, a->opts.options, a->opts.compress, cli_err) < 0) {
		cli_error("%s", ovk_error_message(cli_err));
		return -1;
	}
	return 0;
}

/* cli_fail(), but a configuration the appliance lacks is a usage error. */
static int fail(const struct ovk_error *err)
{
	if (ovk_error_errno(err) == OVK_ENOCONFIG) {
		cli_error("%s (see --info)", ovk_error_message(err));
		return EXIT_USAGE;
	}
	return cli_fail(err);
}

static int do_info(const struct args *a, int appliance)
{
	struct ovk_info *info = NULL;
	char *text = NULL;
	int rc = 1, r;

	if (appliance)
		r = ovk_appliance_info(a->input, a->opts.open_flags, &a->app, &info, cli_err);
	else
		r = ovk_info_open(a->input, a->opts.in_format, a->opts.open_flags, &info, cli_err);
	if (r == 0)
		r = ovk_info_guest(info, a->input, a->opts.in_format, a->opts.open_flags,
				   appliance, cli_err);
	if (r < 0 || ovk_info_render(info, a->json, &text, cli_err) < 0) {
		rc = fail(cli_err);
		goto out;
	}
	fputs(text, stdout);
	rc = 0;
out:
	flush_notes(a->app.note_opaque, rc == 0);
	free(text);
	ovk_info_free(info);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a;
	struct notes notes = { 0 };
	struct cli_progress progress;
	int rc, appliance;

	cli_program = "ova-convert";
	if (cli_library_init() < 0)
		return 1;
	memset(&a, 0, sizeof a);
	a.opts = (struct ovk_convert_opts)OVK_CONVERT_OPTS_INIT;
	a.app = (struct ovk_appliance_opts)OVK_APPLIANCE_OPTS_INIT;
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	/* An appliance is known by its content; -f names a disk format. */
	appliance = !a.overlay && !a.opts.in_format && ovk_is_appliance(a.input);
	if (a.app.config && !appliance) {
		cli_error("--config chooses an appliance's configuration; %s is not one", a.input);
		return EXIT_USAGE;
	}
	a.app.note = keep_note;
	a.app.note_opaque = &notes;
	/* --trust replaces the system's store, so a vendor's CA can be pinned. */
	a.app.trust = a.n_trust ? a.trust : NULL;
	a.app.trust_system = a.n_trust == 0;
	if (a.info)
		return do_info(&a, appliance);
	if (appliance && !a.opts.out_format)
		a.opts.out_format = "qcow2";
	if (check_formats(&a) < 0)
		return EXIT_USAGE;

	cli_catch_signals();
	a.opts.cancel = &cli_cancel;
	if (a.progress) {
		/* With progress on, the engine's notes (a stream copied to a
		 * temp file first, which takes a while) show as they happen. */
		a.opts.note = print_note;
		a.opts.note_opaque = &progress;
		cli_progress_init(&progress, a.output);
		a.opts.progress = cli_progress_cb;
		a.opts.progress_opaque = &progress;
	}
	if (a.overlay) {
		rc = ovk_create_overlay(a.overlay, a.backing_format, a.output, &a.opts, cli_err);
	} else if (appliance) {
		rc = ovk_appliance_convert(a.input, a.output, &a.opts, &a.app, cli_err);
	} else
		rc = ovk_convert(a.input, a.output, &a.opts, cli_err);
	if (a.progress && rc == 0)
		cli_progress_end(&progress);
	else if (a.progress)
		cli_progress_break(&progress);
	flush_notes(&notes, rc == 0);
	if (rc < 0)
		return fail(cli_err);
	return 0;
}
