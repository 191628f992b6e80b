/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ova-import: an appliance (OVA, OVF) to defined, bootable libvirt domains.
 * A thin shell over ovk_import() (ovakit.h): options in, summary out.
 *
 * The URI: --connect when given, else NULL, so that libvirt itself applies
 * LIBVIRT_DEFAULT_URI and then its configured default; reading the
 * variable here would only duplicate (and could diverge from) libvirt's
 * own rules.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clicommon.h"
#include "ovakit.h"

/* --network may be repeated once per OVF network. */
#define MAX_NETWORKS 256
/* --prop may be repeated once per OVF property (OVK_OVF_MAX_PROPERTIES in
 * the library); more belong in --prop-file. */
#define MAX_PROPS 1024

struct args {
	struct ovk_import_opts opts;
	const char *networks[MAX_NETWORKS + 1];
	size_t n_networks;
	const char *props[MAX_PROPS + 1];
	size_t n_props;
	const char *trust[CLI_MAX_TRUST + 1];
	size_t n_trust;
	const char *input;
	int json, progress;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ova-import [-c|--connect URI] [--name NAME] [--pool POOL | --dir DIR]\n"
		"                  [--format qcow2|raw] [--network NET | --network SRC=DST ... |\n"
		"                  --bridge BR] [--bus auto|keep|virtio] [--firmware auto|bios|efi]\n"
		"                  [--start] [--print-xml] [--dry-run] [--json] [--replace]\n"
		"                  [--no-verify] [--require-signature] [--trust FILE ...]\n"
		"                  [--serial-log PATH] [--virt-type TYPE]\n"
		"                  [--tmp-dir DIR] [--config ID] [--prop KEY=VALUE ...]\n"
		"                  [--prop-file FILE] [--cpu CPU] [-j N] [-p] INPUT\n"
		"       ova-import -h|--help | -V|--version\n"
		"\n"
		"Import an appliance (.ova, .ovf, or a directory with one .ovf) into libvirt:\n"
		"one domain per virtual system, disks converted into the storage pool\n"
		"(default: the pool named 'default') or into DIR.  The guest is read, never\n"
		"modified: each disk goes on a bus its drivers can boot from.\n"
		"\n"
		"  -c, --connect URI     libvirt URI (default: LIBVIRT_DEFAULT_URI, then libvirt's)\n"
		"      --name NAME       domain name (one virtual system only)\n"
		"      --pool POOL       storage pool for the disks (uploaded through libvirt)\n"
		"      --dir DIR         write the disks as files in DIR instead\n"
		"      --format FMT      qcow2 or raw (default: qcow2, raw on block pools)\n"
		"      --network NET     connect every NIC to libvirt network NET\n"
		"      --network SRC=DST connect NICs on OVF network SRC to libvirt network DST\n"
		"      --bridge BR       connect every NIC to host bridge BR\n"
		"      --bus auto        each disk on the first bus the guest drives (default)\n"
		"      --bus keep        keep the OVF's controllers even where EFI cannot boot\n"
		"      --bus virtio      virtio disks and NICs (the guest needs the drivers)\n"
		"      --firmware FW     auto (as the OVF says), bios or efi\n"
		"      --start           start the domains once defined\n"
		"      --print-xml       print the domain XML; create nothing (every check\n"
		"                        runs; an OVF without its files is still mapped)\n"
		"      --dry-run         check everything the import checks before it\n"
		"                        converts, say what it would do, exit as it would\n"
		"      --json            print the summary as JSON\n"
		"      --replace         replace a domain, volume or file of the same name\n"
		"                        once its replacement is ready (a volume through a\n"
		"                        side volume the pool's host copies into place)\n"
		"      --no-verify       do not check the manifest\n"
		"      --require-signature  refuse an appliance not signed by a trusted signer\n"
		"                        (with SHA256 or SHA512)\n"
		"      --trust FILE      trust the CA bundle or certificate FILE for signatures,\n"
		"                        instead of the system's store (repeatable)\n"
		"      --serial-log PATH log the first serial port to PATH on the host\n"
		"      --virt-type TYPE  domain type, kvm or qemu (default: kvm when offered);\n"
		"                        qemu (TCG) for hosts whose KVM cannot run the firmware\n"
		"      --tmp-dir DIR     where a compressed OVA's disk that cannot be read as a\n"
		"                        stream is copied first (--dir: that directory)\n"
		"                        (default: $TMPDIR, else /var/tmp)\n"
		"      --config ID       the deployment configuration (default: the OVF's;\n"
		"                        ova-convert --info lists them)\n"
		"      --prop KEY=VALUE  set an OVF property (repeatable; ova-convert --info\n"
		"                        lists them); delivered to the guest as ovf-env.xml\n"
		"                        on a CD-ROM when the OVF asks for the iso transport\n"
		"      --prop-file FILE  KEY=VALUE lines ('#' comments and blank lines\n"
		"                        skipped; the value is the rest of the line, as is);\n"
		"                        --prop settings win over the file's\n"
		"      --cpu CPU         host-passthrough, host-model or a model (Nehalem);\n"
		"                        default: host-passthrough under KVM, under TCG a\n"
		"                        model with what the guest's OS needs\n"
		"  -j, --threads N       conversion threads (default: online CPUs)\n"
		"  -p, --progress        show progress\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version and the features built in\n"
		"\n"
		"Exit status: 0 ok, 1 failure (nothing is left behind), 2 usage error\n"
		"(including no --pool/--dir on a host without a 'default' pool, a\n"
		"--config the appliance does not offer, and an OVF property that is\n"
		"unknown, refused by its type or qualifiers, or left without a value),\n"
		"130/143 interrupted.\n");
}

enum {
	OPT_NAME = 256, OPT_POOL, OPT_DIR, OPT_FORMAT, OPT_NETWORK, OPT_BRIDGE, OPT_BUS,
	OPT_FIRMWARE, OPT_START, OPT_PRINT_XML, OPT_JSON, OPT_REPLACE, OPT_NO_VERIFY,
	OPT_REQUIRE_SIG, OPT_TRUST, OPT_SERIAL_LOG, OPT_VIRT_TYPE, OPT_TMP_DIR, OPT_CONFIG,
	OPT_PROP, OPT_PROP_FILE, OPT_CPU, OPT_DRY_RUN,
};

/* A repeatable option's value into arr (at most max of them). */
static int push_arg(const char *opt, const char **arr, size_t *n, size_t max, const char *hint)
{
	if (*n >= max) {
		cli_error("%s: more than %zu%s", opt, max, hint);
		return -1;
	}
	arr[(*n)++] = optarg;
	return 0;
}

static int parse_opt(int c, void *ctx)
{
	struct args *a = ctx;
	static const char *const buses[] = { "auto", "keep", "virtio", NULL };
	static const char *const fws[] = { "auto", "bios", "efi", NULL };
	int n;

	switch (c) {
	case 'c': a->opts.uri = optarg; break;
	case OPT_NAME:
		if (!*optarg) {
			cli_error("--name: empty");
			return -1;
		}
		a->opts.name = optarg;
		break;
	case OPT_POOL: a->opts.pool = optarg; break;
	case OPT_DIR: a->opts.dir = optarg; break;
	case OPT_FORMAT: a->opts.format = optarg; break;
	case OPT_BRIDGE: a->opts.bridge = optarg; break;
	case OPT_START: a->opts.start = 1; break;
	case OPT_PRINT_XML: a->opts.print_xml = 1; break;
	case OPT_DRY_RUN: a->opts.dry_run = 1; break;
	case OPT_JSON: a->json = 1; break;
	case OPT_REPLACE: a->opts.replace = 1; break;
	case OPT_NO_VERIFY: a->opts.no_verify = 1; break;
	case OPT_REQUIRE_SIG: a->opts.require_signature = 1; break;
	case OPT_TRUST: return cli_add_trust(a->trust, &a->n_trust, optarg);
	case OPT_SERIAL_LOG: a->opts.serial_log = optarg; break;
	case OPT_VIRT_TYPE: a->opts.virt_type = optarg; break;
	case OPT_TMP_DIR: a->opts.tmp_dir = optarg; break;
	case OPT_CPU: a->opts.cpu = optarg; break;
	case OPT_CONFIG:
		if (!*optarg) {
			cli_error("--config: empty");
			return -1;
		}
		a->opts.config = optarg;
		break;
	case 'p': a->progress = 1; break;
	case OPT_PROP:
		return push_arg("--prop", a->props, &a->n_props, MAX_PROPS, " (use --prop-file)");
	case OPT_PROP_FILE:
		if (a->opts.prop_file) {
			cli_error("--prop-file: given twice");
			return -1;
		}
		a->opts.prop_file = optarg;
		break;
	case OPT_NETWORK:
		return push_arg("--network", a->networks, &a->n_networks, MAX_NETWORKS, "");
	case OPT_BUS:
		if (cli_choice("--bus", optarg, buses, &n) < 0)
			return -1;
		a->opts.bus = (enum ovk_import_bus)n;
		break;
	case OPT_FIRMWARE:
		if (cli_choice("--firmware", optarg, fws, &n) < 0)
			return -1;
		a->opts.firmware = (enum ovk_import_firmware)n;
		break;
	case 'j':
		if ((n = cli_parse_count(optarg)) < 0) {
			cli_error("-j: '%s' is not a thread count (1-1024)", optarg);
			return -1;
		}
		a->opts.threads = (unsigned)n;
		break;
	default:
		return -1;
	}
	return 0;
}

/* 0 parsed, -1 usage error, 1 --help/--version printed. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "bridge", required_argument, NULL, OPT_BRIDGE },
		{ "bus", required_argument, NULL, OPT_BUS },
		{ "firmware", required_argument, NULL, OPT_FIRMWARE },
		{ "start", no_argument, NULL, OPT_START },
		{ "print-xml", no_argument, NULL, OPT_PRINT_XML },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "replace", no_argument, NULL, OPT_REPLACE },
		{ "no-verify", no_argument, NULL, OPT_NO_VERIFY },
		{ "require-signature", no_argument, NULL, OPT_REQUIRE_SIG },
		{ "trust", required_argument, NULL, OPT_TRUST },
		{ "serial-log", required_argument, NULL, OPT_SERIAL_LOG },
		{ "virt-type", required_argument, NULL, OPT_VIRT_TYPE },
		{ "tmp-dir", required_argument, NULL, OPT_TMP_DIR },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "prop", required_argument, NULL, OPT_PROP },
		{ "prop-file", required_argument, NULL, OPT_PROP_FILE },
		{ "cpu", required_argument, NULL, OPT_CPU },
		{ "threads", required_argument, NULL, 'j' },
		{ "progress", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int r = cli_options(argc, argv, "c:j:phV", longopts, usage, parse_opt, a);

	if (r != 0)
		return r;
	if (a->opts.pool && a->opts.dir) {
		cli_error("--pool and --dir exclude each other");
		return -1;
	}
	if (a->opts.bridge && a->n_networks) {
		cli_error("--bridge and --network exclude each other");
		return -1;
	}
	if (a->opts.format && strcmp(a->opts.format, "qcow2") != 0 &&
	    strcmp(a->opts.format, "raw") != 0) {
		cli_error("--format: '%s' is not one of: qcow2, raw", a->opts.format);
		return -1;
	}
	if (optind + 1 != argc) {
		cli_error("need exactly one INPUT (see --help)");
		return -1;
	}
	a->input = argv[optind];
	/* The library reads no environment; the program honours TMPDIR. */
	if (!a->opts.tmp_dir && getenv("TMPDIR") && getenv("TMPDIR")[0])
		a->opts.tmp_dir = getenv("TMPDIR");
	a->opts.networks = a->n_networks ? a->networks : NULL;
	a->opts.props = a->n_props ? a->props : NULL;
	/* --trust replaces the system's store, so a vendor's CA can be pinned. */
	a->opts.trust = a->n_trust ? a->trust : NULL;
	a->opts.trust_system = a->n_trust == 0;
	if (ovk_import_check_networks(&a->opts, cli_err) < 0) {
		cli_error("%s", ovk_error_message(cli_err));
		return -1;
	}
	return 0;
}

static void show_stage(void *opaque, const char *msg)
{
	cli_progress_break(opaque);
	cli_note("%s", msg);
}

static int print_outcome(const struct args *a, const struct ovk_import_result *res)
{
	char *summary = NULL;

	if (a->opts.print_xml) {
		for (size_t i = 0; i < ovk_import_result_count(res); i++)
			if (ovk_import_result_xml(res, i))
				fputs(ovk_import_result_xml(res, i), stdout);
	}
	if (ovk_import_result_render(res, a->json, &summary, cli_err) < 0)
		return cli_fail(cli_err);
	/* With --print-xml stdout is the XML; the summary goes to stderr. */
	fputs(summary, a->opts.print_xml ? stderr : stdout);
	free(summary);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct ovk_import_result *res = NULL;
	struct cli_progress progress;
	int rc;

	cli_program = "ova-import";
	if (cli_library_init() < 0)
		return 1;
	a.opts = (struct ovk_import_opts)OVK_IMPORT_OPTS_INIT;
	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc < 0 ? EXIT_USAGE : 0;
	if (!(res = ovk_import_result_new())) {
		cli_error("out of memory");
		return 1;
	}
	cli_catch_signals();
	a.opts.cancel = &cli_cancel;
	if (a.progress) {
		cli_progress_init(&progress, a.input);
		a.opts.progress = cli_progress_cb;
		a.opts.progress_opaque = &progress;
	}
	/* Each stage as it begins, so a long import is not silent for whoever
	 * watches it (a terminal, or -p); a script's stderr keeps the one
	 * line of a failure.  Not with --print-xml, whose summary is what
	 * stderr carries. */
	a.opts.stage = a.opts.print_xml || !(a.progress || isatty(STDERR_FILENO)) ? NULL : show_stage;
	a.opts.stage_opaque = a.progress ? &progress : NULL;
	rc = ovk_import(a.input, &a.opts, res, cli_err);
	if (a.progress && rc == 0)
		cli_progress_end(&progress);
	else if (a.progress)
		cli_progress_break(&progress);
	if (rc < 0) {
		int usage = ovk_error_errno(cli_err) == EDESTADDRREQ ||
			    ovk_error_errno(cli_err) == OVK_ENOCONFIG ||
			    ovk_error_errno(cli_err) == OVK_EPROPERTY;

		rc = usage ? (cli_error("%s", ovk_error_message(cli_err)), EXIT_USAGE) :
			cli_fail(cli_err);
	} else {
		rc = print_outcome(&a, res);
	}
	ovk_import_result_free(res);
	return rc;
}
