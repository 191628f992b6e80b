/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ova-export: a libvirt domain, or disk images, as an OVA (or an OVF
 * directory) for VMware, VirtualBox and other OVF consumers.  A thin shell
 * over ovk_export() (ovakit.h): options in, notes and summary out.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clicommon.h"
#include "ovakit.h"

/* Disk images on one command line: as many as a VM can hold. */
#define MAX_DISKS 256

struct args {
	struct ovk_export_opts opts;
	const char *disks[MAX_DISKS + 1];
	const char *domain, *output;
	int json, progress;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ova-export [-c|--connect URI] [--force] [OPTIONS] DOMAIN OUT.ova\n"
		"       ova-export --name NAME [--cpus N] [--cores N] [--memory SIZE]\n"
		"                  [--firmware bios|efi] [--secure-boot] [--disk-bus BUS]\n"
		"                  [--network NET] [OPTIONS] DISK... OUT.ova\n"
		"\n"
		"Write a libvirt domain, or disk images in any format ovakit reads, as an OVA\n"
		"that VMware (ESXi 6.7+), VirtualBox 6+ and other OVF consumers import: disks\n"
		"as streamOptimized VMDKs, hardware mapped to VMware's, an OVF 1.0 envelope\n"
		"and a SHA256 manifest.  Choices you might not expect are printed as notes.\n"
		"\n"
		"  -c, --connect URI     libvirt URI (default: LIBVIRT_DEFAULT_URI, then libvirt's)\n"
		"      --force           export a running domain (its disks may be inconsistent)\n"
		"      --download        read the disks through libvirt (virStorageVolDownload)\n"
		"                        even when their files are readable here (as a\n"
		"                        remote URI does; a file must be a pool volume)\n"
		"      --name NAME       the machine's name (disk images)\n"
		"      --cpus N          virtual CPUs (default 1)\n"
		"      --cores N         cores per socket\n"
		"      --memory SIZE     memory, with K/M/G/T suffix (default 1G)\n"
		"      --firmware FW     bios (default) or efi\n"
		"      --secure-boot     with efi: secure boot on\n"
		"      --disk-bus BUS    the disks' bus: scsi (default), sata, ide, virtio, nvme\n"
		"      --network NET     the NIC's network (default 'VM Network')\n"
		"      --nic MODEL       NIC model: vmxnet3 (default for virtio), e1000e, e1000;\n"
		"                        none: no NIC (disk images)\n"
		"      --scsi MODEL      SCSI controller: lsilogicsas (default) or pvscsi\n"
		"      --os ID           guest OS: a libosinfo id (debian12, win10) or a VMware\n"
		"                        osType (default: the domain's libosinfo metadata)\n"
		"      --description T   the annotation (default: the domain's description)\n"
		"      --hw-version N    VirtualSystemType vmx-N, 7..21 (default 14)\n"
		"      --ovf-version V   1.0 (default) or 2.0\n"
		"      --manifest ALG    sha256 (default), sha1 (vSphere 5.x), sha512 or none\n"
		"      --sign KEY.pem    sign the manifest (a .cert, as ovftool) with this key\n"
		"      --cert CERT.pem   the certificate of the --sign key\n"
		"      --dir             write an OVF directory OUT instead of an OVA\n"
		"      --overwrite       replace an existing OUT.ova\n"
		"      --no-sync         do not fsync the output before renaming it into place\n"
		"      --json            print the summary as JSON\n"
		"  -j, --threads N       conversion threads (default: online CPUs)\n"
		"  -p, --progress        show progress\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version and the features built in\n"
		"\n"
		"Exit status: 0 ok, 1 failure (nothing is left behind), 2 usage error,\n"
		"130/143 interrupted.\n");
}

enum {
	OPT_FORCE = 256, OPT_NAME, OPT_CPUS, OPT_CORES, OPT_MEMORY, OPT_FIRMWARE, OPT_SECURE,
	OPT_BUS, OPT_NETWORK, OPT_NIC, OPT_SCSI, OPT_OS, OPT_DESC, OPT_HW, OPT_OVF, OPT_MF,
	OPT_SIGN, OPT_CERT, OPT_DIR, OPT_OVERWRITE, OPT_NO_SYNC, OPT_JSON, OPT_DOWNLOAD,
};

static int parse_number(const char *opt, const char *v, unsigned max, unsigned *out)
{
	char *end = NULL;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n == 0 || n > max) {
		cli_error("%s: '%s' is not a number from 1 to %u", opt, v, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int parse_memory(const char *v, uint64_t *out)
{
	char *end = NULL;
	unsigned long long n;
	unsigned shift = 0;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (end && *end) {
		const char *units = "KMGT", *u = strchr(units, end[0] & ~0x20);

		if (!u || (end[1] && strcmp(end + 1, "iB") != 0 && strcmp(end + 1, "B") != 0))
			n = 0;
		else
			shift = 10 * (unsigned)(u - units + 1);
	} else {
		shift = 20;   /* a plain number is MiB, as virt-install takes it */
	}
	if (errno || end == v || n == 0 || n > (UINT64_MAX >> shift)) {
		cli_error("--memory: '%s' is not a size (1024M, 4G)", v);
		return -1;
	}
	*out = (uint64_t)n << shift;
	return 0;
}

static int parse_choices(int c, struct args *a)
{
	static const char *const fws[] = { "bios", "efi", NULL };
	static const char *const buses[] = { "scsi", "sata", "ide", "virtio", "nvme", NULL };
	static const char *const nics[] = { "vmxnet3", "e1000e", "e1000", "none", NULL };
	static const char *const scsi[] = { "lsilogicsas", "pvscsi", NULL };
	static const char *const mfs[] = { "sha1", "sha256", "sha512", "none", NULL };
	static const char *const ovfs[] = { "1.0", "2.0", "1", "2", NULL };

	switch (c) {
	case OPT_FIRMWARE: a->opts.firmware = optarg; return cli_choice("--firmware", optarg, fws, NULL);
	case OPT_BUS: a->opts.disk_bus = optarg; return cli_choice("--disk-bus", optarg, buses, NULL);
	case OPT_NIC: a->opts.nic = optarg; return cli_choice("--nic", optarg, nics, NULL);
	case OPT_SCSI: a->opts.scsi = optarg; return cli_choice("--scsi", optarg, scsi, NULL);
	case OPT_MF: a->opts.manifest = optarg; return cli_choice("--manifest", optarg, mfs, NULL);
	case OPT_OVF:
		a->opts.ovf_version = optarg[0] == '2' ? 2 : 1;
		return cli_choice("--ovf-version", optarg, ovfs, NULL);
	default:
		return 1;
	}
}

static int parse_opt(int c, void *ctx)
{
	struct args *a = ctx;
	int r = parse_choices(c, a), n;

	if (r <= 0)
		return r;
	switch (c) {
	case 'c': a->opts.uri = optarg; break;
	case OPT_FORCE: a->opts.force_running = 1; break;
	case OPT_DOWNLOAD: a->opts.download = 1; break;
	case OPT_NAME: a->opts.name = optarg; break;
	case OPT_CPUS: return parse_number("--cpus", optarg, 768, &a->opts.cpus);
	case OPT_CORES: return parse_number("--cores", optarg, 768, &a->opts.cores);
	case OPT_MEMORY: return parse_memory(optarg, &a->opts.memory);
	case OPT_SECURE: a->opts.secure_boot = 1; break;
	case OPT_NETWORK: a->opts.network = optarg; break;
	case OPT_OS: a->opts.os = optarg; break;
	case OPT_DESC: a->opts.description = optarg; break;
	case OPT_HW: return parse_number("--hw-version", optarg, 21, &a->opts.hw_version);
	case OPT_SIGN: a->opts.sign_key = optarg; break;
	case OPT_CERT: a->opts.sign_cert = optarg; break;
	case OPT_DIR: a->opts.dir = 1; break;
	case OPT_OVERWRITE: a->opts.force = 1; break;
	case OPT_NO_SYNC: a->opts.no_sync = 1; break;
	case OPT_JSON: a->json = 1; break;
	case 'p': a->progress = 1; break;
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

/* The operands: DOMAIN OUT, or (with --name) DISK... OUT. */
static int operands(int argc, char **argv, struct args *a)
{
	int n = argc - optind;

	if (n < 2) {
		cli_error("need DOMAIN OUT.ova, or --name NAME DISK... OUT.ova (see --help)");
		return -1;
	}
	a->output = argv[argc - 1];
	if (!a->opts.name) {
		if (n != 2) {
			cli_error("one DOMAIN, or disk images with --name (see --help)");
			return -1;
		}
		a->domain = argv[optind];
		return 0;
	}
	if (n - 1 > MAX_DISKS) {
		cli_error("more than %d disks", MAX_DISKS);
		return -1;
	}
	for (int i = 0; i < n - 1; i++)
		a->disks[i] = argv[optind + i];
	if (a->opts.secure_boot && !(a->opts.firmware && strcmp(a->opts.firmware, "efi") == 0)) {
		cli_error("--secure-boot needs --firmware efi");
		return -1;
	}
	return 0;
}

/* 0 parsed, -1 usage error, 1 --help/--version printed. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "download", no_argument, NULL, OPT_DOWNLOAD },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "cores", required_argument, NULL, OPT_CORES },
		{ "memory", required_argument, NULL, OPT_MEMORY },
		{ "firmware", required_argument, NULL, OPT_FIRMWARE },
		{ "secure-boot", no_argument, NULL, OPT_SECURE },
		{ "disk-bus", required_argument, NULL, OPT_BUS },
		{ "network", required_argument, NULL, OPT_NETWORK },
		{ "nic", required_argument, NULL, OPT_NIC },
		{ "scsi", required_argument, NULL, OPT_SCSI },
		{ "os", required_argument, NULL, OPT_OS },
		{ "description", required_argument, NULL, OPT_DESC },
		{ "hw-version", required_argument, NULL, OPT_HW },
		{ "ovf-version", required_argument, NULL, OPT_OVF },
		{ "manifest", required_argument, NULL, OPT_MF },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "dir", no_argument, NULL, OPT_DIR },
		{ "overwrite", no_argument, NULL, OPT_OVERWRITE },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "threads", required_argument, NULL, 'j' },
		{ "progress", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int r = cli_options(argc, argv, "c:j:phV", longopts, usage, parse_opt, a);

	if (r != 0)
		return r;
	if (!a->opts.sign_key != !a->opts.sign_cert) {
		cli_error("--sign and --cert go together");
		return -1;
	}
	return operands(argc, argv, a);
}

/* Notes are kept until the export has succeeded: a failure is one line. */
struct notes {
	char **msg;
	size_t n;
};

static void note(void *opaque, const char *msg)
{
	struct notes *ns = opaque;
	char **grown = realloc(ns->msg, (ns->n + 1) * sizeof *grown);

	if (!grown)
		return;
	ns->msg = grown;
	if ((ns->msg[ns->n] = strdup(msg)))
		ns->n++;
}

static void notes_flush(struct notes *ns, int print)
{
	for (size_t i = 0; i < ns->n; i++) {
		if (print)
			cli_note("note: %s", ns->msg[i]);
		free(ns->msg[i]);
	}
	free(ns->msg);
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct ovk_info *summary = NULL;
	struct cli_progress progress;
	struct notes notes = { 0 };
	char *text = NULL;
	int rc;

	cli_program = "ova-export";
	if (cli_library_init() < 0)
		return 1;
	a.opts = (struct ovk_export_opts)OVK_EXPORT_OPTS_INIT;
	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc < 0 ? EXIT_USAGE : 0;
	cli_catch_signals();
	a.opts.cancel = &cli_cancel;
	a.opts.note = note;
	a.opts.note_opaque = &notes;
	if (a.progress) {
		cli_progress_init(&progress, a.output);
		a.opts.progress = cli_progress_cb;
		a.opts.progress_opaque = &progress;
	}
	rc = ovk_export(a.domain, a.domain ? NULL : a.disks, a.output, &a.opts, &summary, cli_err);
	if (a.progress && rc == 0)
		cli_progress_end(&progress);
	else if (a.progress)
		cli_progress_break(&progress);
	notes_flush(&notes, rc == 0);
	if (rc < 0)
		return cli_fail(cli_err);
	if (ovk_info_render(summary, a.json, &text, cli_err) < 0) {
		ovk_info_free(summary);
		return cli_fail(cli_err);
	}
	fputs(text, stdout);
	free(text);
	ovk_info_free(summary);
	return fflush(stdout) == 0 ? 0 : 1;
}
