/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ovfenv.h: the OVF environment, from the deployer's KEY=VALUE settings
 * to the ovf-env.xml document and the ISO image that carries it.
 *
 *   --prop / --prop-file --ovk_ovf_assign_*--> assignments
 *   assignments + model --ovk_ovf_env_resolve--> one value per property
 *   values --ovk_ovf_env_xml / ovk_ovf_env_iso--> ovf-env.xml, its ISO
 *
 * Every refusal (an unknown key, a value its type or qualifiers refuse,
 * a property left without a valid value) fails with errnum
 * OVK_OVF_EPROPERTY before anything is created; a front end reports it as
 * a usage error.  Messages never quote a password property's value.
 *
 * Ownership: assignments own their strings (ovk_ovf_assign_free); the
 * resolved values borrow from the assignments and the model, which must
 * outlive them (ovk_ovf_env_values_free frees only the arrays).
 */
#ifndef OVK_OVA_OVFENV_H
#define OVK_OVA_OVFENV_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "ovf.h"

#define OVK_OVF_EPROPERTY EKEYREJECTED

/* A property file: bounded like the descriptor's text, 1 MiB holds 1024
 * properties of a kilobyte each. */
#define OVK_OVF_MAX_PROP_FILE ((size_t)1 << 20)
/* Settings in one import (files and --prop together). */
#define OVK_OVF_MAX_ASSIGN (4 * OVK_OVF_MAX_PROPERTIES)

/* The environment's namespaces (DSP0243 11, and VMware's additions). */
#define OVK_NS_OVFENV "http://schemas.dmtf.org/ovf/environment/1"
/* ISO 9660 volume label, as VMware's environment CD-ROMs are labelled
 * (the primary volume descriptor holds "OVF_ENV": d-characters only). */
#define OVK_OVFENV_VOLUME "OVF ENV"
#define OVK_OVFENV_FILE "ovf-env.xml"

struct ovk_ovf_assign {
	char *key;
	char *value;
	char *origin;            /* "--prop" or "FILE:LINE", for messages */
};

/* Append "KEY=VALUE" (the value may hold '='), from `origin`. */
int ovk_ovf_assign_add(struct ovk_ovf_assign **arr, size_t *n, const char *kv,
		       const char *origin, struct ovk_error *err);
/* The lines of a property file `name`: KEY=VALUE, the key trimmed of
 * blanks, the value from the first non-blank after '=' to the end of the
 * line (a CR before the newline dropped), as Java's .properties are read;
 * blank lines and lines whose first non-blank character is '#' are
 * skipped.  No quoting: the rest of the line is the value, '#', '=' and
 * trailing blanks included. */
int ovk_ovf_assign_parse_file(const uint8_t *buf, size_t len, const char *name,
			      struct ovk_ovf_assign **arr, size_t *n, struct ovk_error *err);
void ovk_ovf_assign_free(struct ovk_ovf_assign *arr, size_t n);

/* One value per property of each system (values[s][i] for
 * env->systems[s].properties[i]): the last assignment of its key, else
 * its default.  A key is set in every system that has it. */
int ovk_ovf_env_resolve(const struct ovk_ovf_envelope *env, const struct ovk_ovf_assign *a,
			size_t n, const char ****values, struct ovk_error *err);
void ovk_ovf_env_values_free(const struct ovk_ovf_envelope *env, const char ***values);

/* The environment of system vs (DSP0243's Environment with its
 * PlatformSection and PropertySection), UTF-8 with its declaration. */
int ovk_ovf_env_xml(const struct ovk_ovf_system *vs, const char *const *values, char **xml,
		    struct ovk_error *err);
/* That document as ovf-env.xml on an ISO 9660 image; *iso malloc'ed. */
int ovk_ovf_env_iso(const struct ovk_ovf_system *vs, const char *const *values, uint8_t **iso,
		    size_t *len, struct ovk_error *err);

#endif
