/*
 * sched_config.h - a kubescheduler.config.k8s.io/v1 KubeSchedulerConfiguration
 * into one struct sched_config per profile: plugin enable/disable merged with
 * the default multiPoint set as kube-scheduler merges them, score weights,
 * pluginConfig args (NodeResourcesFit, NodeResourcesBalancedAllocation,
 * PodTopologySpread, InterPodAffinity) and percentageOfNodesToScore.
 */
#ifndef KS_SCHED_CONFIG_H
#define KS_SCHED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "models/scheduler/sched.h"
#include "sim/util/ytree.h"

struct scn_sched_profile {
	char			*scheduler_name;
	struct sched_config	 cfg;		/* validated with sched_config_validate */
	bool			 filter_on[SCHED_NPLUGINS];	/* runs at Filter */
	bool			 score_on[SCHED_NPLUGINS];	/* runs at Score, weight cfg.weight */
};

struct scn_sched_config {
	struct scn_sched_profile *profiles;
	size_t			  nprofiles;
	char			**notes;	/* settings read but not simulated */
	size_t			  nnotes;
};

/* One profile, "default-scheduler", with the default plugins. */
void scn_sched_config_default(struct scn_sched_config *c);
/* Reads a file holding one KubeSchedulerConfiguration. -1 with *cause
 * ("file:line:col: ...", caller frees) on bad input; c is then empty. */
int scn_sched_config_load(const char *path, struct scn_sched_config *c, char **cause);
int scn_sched_config_parse(const struct yt_node *doc, struct scn_sched_config *c,
    char **cause);
void scn_sched_config_fini(struct scn_sched_config *c);
/* The profile for a pod's spec.schedulerName, or NULL. */
const struct scn_sched_profile *scn_sched_config_profile(const struct scn_sched_config *c,
    const char *scheduler_name);

#endif
