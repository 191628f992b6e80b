/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plan_nic.c: network adapters.  The OVF's adapter type is kept (the guest
 * has its driver), its MAC is kept (licences and DHCP reservations are tied
 * to it), and its network is mapped to a libvirt network or a bridge.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_priv.h"

/* OVF ResourceSubType -> libvirt interface model. */
static const struct {
	const char *ovf, *model;
} nic_models[] = {
	{ "E1000", "e1000" },
	{ "E1000e", "e1000e" },
	{ "VmxNet3", "vmxnet3" },
	{ "PCNet32", "pcnet" },
	{ "virtio", "virtio" },
	{ "virtio-net", "virtio" },
	{ "rtl8139", "rtl8139" },
};

static const char *nic_model(struct ovk_plan *p, const struct ovk_ovf_nic *n,
			     enum ovk_plan_bus_choice bus)
{
	if (bus == OVK_PLAN_BUS_VIRTIO)
		return "virtio";
	for (size_t i = 0; n->model && i < sizeof(nic_models) / sizeof(nic_models[0]); i++)
		if (strcasecmp(n->model, nic_models[i].ovf) == 0)
			return nic_models[i].model;
	ovk_plan_note(p, 1, "NIC %s: adapter type '%s' unknown, using e1000",
		      n->instance_id ? n->instance_id : "?", n->model ? n->model : "(none)");
	return "e1000";
}

/* Where one OVF network goes: the bridge, its SRC=DST pair, the one
 * network for all, or "default". */
static const char *nic_source(const struct ovk_ovf_nic *n, const struct ovk_plan_opts *o)
{
	if (o->bridge)
		return o->bridge;
	for (size_t i = 0; n->network && i < o->n_netmap; i++)
		if (strcmp(o->net_src[i], n->network) == 0)
			return o->net_dst[i];
	return o->network ? o->network : "default";
}

/* A MAC's first octet has its I/G bit (1) clear for one station. */
static int is_unicast(const char *mac)
{
	unsigned long first = strtoul(mac, NULL, 16);

	return (first & 1) == 0;
}

int ovk_plan_nics(struct ovk_plan *p, const struct ovk_plan_opts *o, struct ovk_error *err)
{
	const struct ovk_ovf_system *vs = p->vs;

	if (vs->n_nics && !(p->nics = calloc(vs->n_nics, sizeof(*p->nics))))
		return ovk_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < vs->n_nics; i++) {
		const struct ovk_ovf_nic *n = &vs->nics[i];
		struct ovk_plan_nic *pn = &p->nics[p->n_nics++];
		char dev[32];

		snprintf(pn->model, sizeof(pn->model), "%s", nic_model(p, n, o->bus));
		if (n->mac && !is_unicast(n->mac))
			return ovk_error_set(err, EINVAL, "NIC %zu: MAC %s is a multicast or "
					     "broadcast address, which no NIC may have", i + 1,
					     n->mac);
		if (n->mac)
			snprintf(pn->mac, sizeof(pn->mac), "%s", n->mac);
		pn->bridge = o->bridge != NULL;
		if (!(pn->source = strdup(nic_source(n, o))) ||
		    (n->network && !(pn->ovf_network = strdup(n->network))))
			return ovk_error_set(err, ENOMEM, "out of memory");
		snprintf(dev, sizeof dev, "nic %zu", i + 1);
		ovk_plan_decide(p, dev, n->model, pn->model, "%s %s%s%s",
				pn->bridge ? "bridge" : "network", pn->source,
				pn->mac[0] ? ", MAC " : "", pn->mac);
	}
	return 0;
}
