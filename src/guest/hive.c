/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hive.c: the Windows registry through hivex (see hive.h): the only file
 * that includes it.
 *
 * hivex opens hives by file name only.  The bytes from the guest go into a
 * memfd (anonymous memory, never a file on disk), sealed against writes and
 * resizing, and hivex opens /proc/self/fd/N read-only: it maps the file
 * PROT_READ and never writes (no HIVEX_OPEN_WRITE).  Once open, hivex holds
 * its own descriptor and mapping, and ours is closed.
 *
 * hivex prints only at its verbose or debug levels: we never ask for them
 * (flags 0).  It also turns debug on when the environment says
 * HIVEX_DEBUG=1, which is the user's explicit wish, not ours.
 *
 * hivex reports failures in errno alone; a lookup that finds nothing
 * returns 0 with errno untouched, so errno is cleared before each call.
 */
#include "hive.h"

#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The smallest hive: its 4 KiB header and one 4 KiB bin (hivex's own
 * minimum). */
#define HIVE_MIN_SIZE 0x2000
/* Select\Current names ControlSet001 .. ControlSet999. */
#define HIVE_MAX_CONTROL_SET 999

struct ovk_hive {
	hive_h *h;
	char *name;
};

static int hive_memfd(const void *data, size_t len, struct ovk_error *err)
{
	const uint8_t *p = data;
	size_t done = 0;
	int fd = memfd_create("ovk-hive", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return ovk_error_sys(err, errno, "memfd_create");
	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ovk_error_sys(err, n < 0 ? errno : EIO, "writing to a memfd");
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		ovk_error_sys(err, errno, "sealing a memfd");
		close(fd);
		return -1;
	}
	return fd;
}

int ovk_hive_open(const void *data, size_t len, const char *name, struct ovk_hive **out,
		  struct ovk_error *err)
{
	struct ovk_hive *h = NULL;
	char path[64];
	int fd = -1, ret = -1;

	*out = NULL;
	if (len < HIVE_MIN_SIZE || len > OVK_HIVE_MAX_SIZE) {
		ovk_error_set(err, EINVAL, "%zu bytes (a hive has %d to %zu)", len, HIVE_MIN_SIZE,
			      OVK_HIVE_MAX_SIZE);
		goto out;
	}
	if (!(h = calloc(1, sizeof *h)) || !(h->name = strdup(name))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((fd = hive_memfd(data, len, err)) < 0)
		goto out;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	errno = 0;
	if (!(h->h = hivex_open(path, 0))) {
		ovk_error_sys(err, errno ? errno : EINVAL, "not a registry hive hivex can read");
		goto out;
	}
	*out = h;
	h = NULL;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		ovk_error_prefix(err, "%s", name);
	ovk_hive_close(h);
	return ret;
}

void ovk_hive_close(struct ovk_hive *h)
{
	if (!h)
		return;
	if (h->h)
		hivex_close(h->h);
	free(h->name);
	free(h);
}

/* The key at path ('\\'-separated, "" the root): 0 with *node, 1 absent,
 * -1 on failure. */
static int hive_key(struct ovk_hive *h, const char *path, hive_node_h *node,
		    struct ovk_error *err)
{
	hive_node_h n = hivex_root(h->h);
	char comp[OVK_HIVE_MAX_NAME + 1];
	unsigned depth = 0;

	if (!n)
		return ovk_error_sys(err, errno ? errno : EINVAL, "no root key");
	while (*path) {
		size_t len = strcspn(path, "\\");

		if (len == 0 || len > OVK_HIVE_MAX_NAME || ++depth > OVK_HIVE_MAX_DEPTH)
			return ovk_error_set(err, EINVAL, "a key path with an empty or long name, "
					     "or more than %d keys", OVK_HIVE_MAX_DEPTH);
		memcpy(comp, path, len);
		comp[len] = '\0';
		errno = 0;
		if (!(n = hivex_node_get_child(h->h, n, comp)))
			return errno ? ovk_error_sys(err, errno, "key \"%s\"", comp) : 1;
		path += len + (path[len] == '\\');
	}
	*node = n;
	return 0;
}

static int hive_strings(struct ovk_hive *h, hive_value_h val, struct ovk_hive_value *v,
			struct ovk_error *err)
{
	char **list;
	size_t total = 0, n;
	int ret = -1;

	errno = 0;
	if (!(list = hivex_value_multiple_strings(h->h, val)))
		return ovk_error_sys(err, errno ? errno : EINVAL, "string list");
	for (n = 0; list[n]; n++)
		total += strlen(list[n]) + 1;   /* bounded: the value is <= MAX_VALUE */
	if (n > OVK_HIVE_MAX_STRINGS) {
		ovk_error_set(err, E2BIG, "%zu strings (at most %d)", n, OVK_HIVE_MAX_STRINGS);
		goto out;
	}
	if (!(v->str = malloc(total + 1))) {
		ovk_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	v->len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i]) + 1;

		memcpy(v->str + v->len, list[i], l);
		v->len += l;
	}
	v->str[v->len] = '\0';
	v->n_strings = n;
	ret = 0;
out:
	for (size_t i = 0; list[i]; i++)
		free(list[i]);
	free(list);
	return ret;
}

/* The data of val into v, by its type. */
static int hive_decode(struct ovk_hive *h, hive_value_h val, struct ovk_hive_value *v,
		       struct ovk_error *err)
{
	hive_type t;
	size_t len;

	if (hivex_value_type(h->h, val, &t, &len) < 0)
		return ovk_error_sys(err, errno ? errno : EINVAL, "value type");
	v->reg_type = (uint32_t)t;
	if (len > OVK_HIVE_MAX_VALUE)
		return ovk_error_set(err, EFBIG, "%zu bytes (at most %zu)", len, OVK_HIVE_MAX_VALUE);
	errno = 0;
	switch (t) {
	case hive_t_string:
	case hive_t_expand_string:
	case hive_t_link:
		v->type = OVK_HIVE_STRING;
		if (len > 2 * OVK_HIVE_MAX_STRING)
			return ovk_error_set(err, EFBIG, "a string of %zu bytes", len);
		if (!(v->str = hivex_value_string(h->h, val)))
			return ovk_error_sys(err, errno ? errno : EINVAL, "string");
		v->len = strlen(v->str);
		return 0;
	case hive_t_dword:
	case hive_t_dword_be:
		v->type = OVK_HIVE_DWORD;
		v->num = (uint32_t)hivex_value_dword(h->h, val);
		return errno ? ovk_error_sys(err, errno, "DWORD") : 0;
	case hive_t_qword:
		v->type = OVK_HIVE_QWORD;
		v->num = (uint64_t)hivex_value_qword(h->h, val);
		return errno ? ovk_error_sys(err, errno, "QWORD") : 0;
	case hive_t_multiple_strings:
		v->type = OVK_HIVE_MULTI;
		return hive_strings(h, val, v, err);
	default:
		v->type = OVK_HIVE_BINARY;
		if (!(v->data = (uint8_t *)hivex_value_value(h->h, val, &t, &v->len)))
			return ovk_error_sys(err, errno ? errno : EINVAL, "data");
		return 0;
	}
}

/* The value `name` of key node: 0, 1 absent, -1. */
static int hive_node_value(struct ovk_hive *h, hive_node_h node, const char *name,
			   struct ovk_hive_value *v, struct ovk_error *err)
{
	hive_value_h val;

	memset(v, 0, sizeof *v);
	if (strlen(name) > OVK_HIVE_MAX_NAME)
		return ovk_error_set(err, EINVAL, "a value name longer than %d bytes",
				     OVK_HIVE_MAX_NAME);
	errno = 0;
	if (!(val = hivex_node_get_value(h->h, node, name)))
		return errno ? ovk_error_sys(err, errno, "value") : 1;
	if (hive_decode(h, val, v, err) < 0) {
		ovk_hive_value_free(v);
		return -1;
	}
	return 0;
}

int ovk_hive_value(struct ovk_hive *h, const char *path, const char *name,
		   struct ovk_hive_value *out, struct ovk_error *err)
{
	hive_node_h node;
	int r;

	memset(out, 0, sizeof *out);
	if ((r = hive_key(h, path, &node, err)) == 0)
		r = hive_node_value(h, node, name, out, err);
	if (r < 0)
		ovk_error_prefix(err, "%s: %s\\%s", h->name, path, name);
	return r;
}

void ovk_hive_value_free(struct ovk_hive_value *v)
{
	if (!v)
		return;
	free(v->str);
	free(v->data);
	memset(v, 0, sizeof *v);
}

int ovk_hive_control_set(struct ovk_hive *h, char out[OVK_HIVE_CONTROL_SET_LEN],
			 struct ovk_error *err)
{
	struct ovk_hive_value v;
	hive_node_h node;
	uint64_t num;
	int r;

	out[0] = '\0';
	if ((r = ovk_hive_value(h, "Select", "Current", &v, err)) < 0)
		return -1;
	if (r > 0)
		return ovk_error_set(err, ENOENT, "%s: no Select\\Current: not a SYSTEM hive",
				     h->name);
	num = v.num;
	r = v.type == OVK_HIVE_DWORD && num >= 1 && num <= HIVE_MAX_CONTROL_SET;
	ovk_hive_value_free(&v);
	if (!r)
		return ovk_error_set(err, EINVAL, "%s: Select\\Current is not a DWORD in 1..%d",
				     h->name, HIVE_MAX_CONTROL_SET);
	snprintf(out, OVK_HIVE_CONTROL_SET_LEN, "ControlSet%03u", (unsigned)num);
	if ((r = hive_key(h, out, &node, err)) != 0) {
		if (r > 0)
			ovk_error_set(err, ENOENT, "Select\\Current names %s, which is absent", out);
		out[0] = '\0';
		return ovk_error_prefix(err, "%s", h->name);
	}
	return 0;
}

/* A DWORD value of node into *num (-1 when absent or of another type). */
static int hive_dword(struct ovk_hive *h, hive_node_h node, const char *name, int64_t *num,
		      struct ovk_error *err)
{
	struct ovk_hive_value v;
	int r = hive_node_value(h, node, name, &v, err);

	*num = -1;
	if (r < 0)
		return ovk_error_prefix(err, "%s", name);
	if (r == 0 && v.type == OVK_HIVE_DWORD)
		*num = (int64_t)v.num;
	ovk_hive_value_free(&v);
	return 0;
}

/* A string value of node into *str (NULL when absent or of another type). */
static int hive_string(struct ovk_hive *h, hive_node_h node, const char *name, char **str,
		       struct ovk_error *err)
{
	struct ovk_hive_value v;
	int r = hive_node_value(h, node, name, &v, err);

	*str = NULL;
	if (r < 0)
		return ovk_error_prefix(err, "%s", name);
	if (r == 0 && v.type == OVK_HIVE_STRING) {
		*str = v.str;
		v.str = NULL;
	}
	ovk_hive_value_free(&v);
	return 0;
}

/* The StartOverride subkey of service node svc into s. */
static int hive_overrides(struct ovk_hive *h, hive_node_h svc, struct ovk_hive_service *s,
			  struct ovk_error *err)
{
	hive_value_h *vals;
	hive_node_h so;
	int ret = -1;

	errno = 0;
	if (!(so = hivex_node_get_child(h->h, svc, "StartOverride")))
		return errno ? ovk_error_sys(err, errno, "StartOverride") : 0;
	if (!(vals = hivex_node_values(h->h, so)))
		return ovk_error_sys(err, errno ? errno : EINVAL, "StartOverride's values");
	for (size_t i = 0; vals[i] && s->n_overrides < OVK_HIVE_MAX_OVERRIDES; i++) {
		struct ovk_hive_value v = { 0 };
		char *key = hivex_value_key(h->h, vals[i]);

		if (!key) {
			ovk_error_sys(err, errno ? errno : EINVAL, "StartOverride's value %zu", i);
			goto out;
		}
		if (hive_decode(h, vals[i], &v, err) < 0) {
			ovk_error_prefix(err, "StartOverride\\%.64s", key);
			free(key);
			goto out;
		}
		if (v.type == OVK_HIVE_DWORD && strlen(key) < sizeof s->overrides[0].name) {
			strcpy(s->overrides[s->n_overrides].name, key);
			s->overrides[s->n_overrides++].value = (uint32_t)v.num;
			if (strcmp(key, "0") == 0)
				s->effective = (int64_t)v.num;
		}
		ovk_hive_value_free(&v);
		free(key);
	}
	ret = 0;
out:
	free(vals);
	return ret;
}

static int hive_service(struct ovk_hive *h, hive_node_h services, const char *name,
			struct ovk_hive_service *s, struct ovk_error *err)
{
	hive_node_h svc;

	memset(s, 0, sizeof *s);
	s->start = s->effective = s->type = -1;
	if (strlen(name) > OVK_HIVE_MAX_NAME || strchr(name, '\\'))
		return ovk_error_set(err, EINVAL, "not a service name");
	errno = 0;
	if (!(svc = hivex_node_get_child(h->h, services, name)))
		return errno ? ovk_error_sys(err, errno, "key") : 0;
	s->exists = 1;
	if (hive_dword(h, svc, "Start", &s->start, err) < 0 ||
	    hive_dword(h, svc, "Type", &s->type, err) < 0 ||
	    hive_string(h, svc, "ImagePath", &s->image_path, err) < 0 ||
	    hive_string(h, svc, "Group", &s->group, err) < 0)
		return -1;
	s->effective = s->start;
	return hive_overrides(h, svc, s, err);
}

int ovk_hive_services(struct ovk_hive *h, const char *const *names, size_t n,
		      struct ovk_hive_service *out, struct ovk_error *err)
{
	char cs[OVK_HIVE_CONTROL_SET_LEN], path[OVK_HIVE_CONTROL_SET_LEN + 16];
	hive_node_h services;
	size_t i = 0;
	int r;

	memset(out, 0, n * sizeof *out);
	if (ovk_hive_control_set(h, cs, err) < 0)
		return -1;
	snprintf(path, sizeof path, "%s\\Services", cs);
	if ((r = hive_key(h, path, &services, err)) != 0) {
		if (r > 0)
			ovk_error_set(err, ENOENT, "absent");
		return ovk_error_prefix(err, "%s: %s", h->name, path);
	}
	for (i = 0; i < n; i++)
		if (hive_service(h, services, names[i], &out[i], err) < 0) {
			ovk_error_prefix(err, "%s: %s\\%s", h->name, path, names[i]);
			ovk_hive_services_free(out, i + 1);
			return -1;
		}
	return 0;
}

void ovk_hive_services_free(struct ovk_hive_service *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].image_path);
		free(s[i].group);
		s[i].image_path = s[i].group = NULL;
	}
}
