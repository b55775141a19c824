/*
 * cluster_state.h - a cluster's current state from Kubernetes YAML, as
 * `kubectl get nodes,pods,services -A -o yaml` prints it: v1 Node, Pod and
 * Service objects in single documents, multi-document streams or v1 Lists
 * (NodeList, PodList, ...). Used by `kubesim schedule`; status fields that
 * kubesim does not read are accepted as the API server writes them.
 */
#ifndef KS_CLUSTER_STATE_H
#define KS_CLUSTER_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "models/api/k8s.h"

/* A pod read from the cluster file. */
struct scn_cluster_pod {
	struct k8s_pod_spec	 spec;		/* spec.nodeName in spec.node_name */
	bool			 terminating;	/* metadata.deletionTimestamp set */
	bool			 finished;	/* status.phase Succeeded or Failed */
	bool			 has_start;	/* status.startTime given */
	int64_t			 start_ns;	/* it, nanoseconds since the Unix epoch */
};

struct scn_cluster_service {
	char			*namespace;
	struct k8s_labels	 selector;	/* empty: selects nothing */
};

/* Everything read from one or more files. Arrays are owned here and do not
 * move once loading is done, so the scheduler may point into them. */
struct scn_cluster {
	struct k8s_node_spec		*nodes;
	size_t				 nnodes;
	struct scn_cluster_pod		*pods;
	size_t				 npods;
	struct scn_cluster_service	*services;
	size_t				 nservices;
	char				**notes;	/* "file:line:col: skipped ..." */
	size_t				 nnotes;
	struct scn_cluster_index	*index;		/* duplicate detection (private) */
};

struct scn_cluster *scn_cluster_new(void);
void scn_cluster_free(struct scn_cluster *c);
/* Reads every object of a file into c. Kinds other than Node, Pod and
 * Service are skipped with a note; a near miss of one ("Nodes") is an error.
 * -1 with *cause ("file:line:col: ...", caller frees) on bad input. */
int scn_cluster_add_file(struct scn_cluster *c, const char *path, char **cause);
/* The same for YAML text (name is used in messages). */
int scn_cluster_add_string(struct scn_cluster *c, const char *name, const char *text,
    char **cause);

/*
 * The pod to place: a file holding exactly one v1 Pod, or an apps/v1
 * Deployment whose template is placed (named after the Deployment, with its
 * selector returned in *owner for default topology spreading; owner->set is
 * false for a Pod). -1 with *cause on bad input.
 */
int scn_pod_file_load(const char *path, struct k8s_pod_spec *pod,
    struct k8s_selector *owner, char **cause);

#endif
