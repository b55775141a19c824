/*
 * build.h - turns a loaded scenario into a cluster model on an engine: the
 * one place that sees both the scenario layer and the models layer.
 */
#ifndef KS_BUILD_H
#define KS_BUILD_H

#include "models/cluster/cluster.h"
#include "scenarios/scenario.h"

/* Builds (does not start) the cluster. Returns NULL with *cause on a
 * reference the scenario checks could not catch. */
struct cluster *build_cluster(struct sim *sim, const struct scenario *s,
    const struct probe_sink *probes, char **cause);

/* Whether the scenario's traffic runs in request mode (its trafficMode,
 * auto resolved by the peak offered rate). */
bool build_request_mode(const struct scenario *s);

/* Loads the scenario named by the options and checks that it builds: the
 * checks `validate` and `run` share. Prints notes (unless quiet) and errors;
 * returns 0, or the exit status on failure (nothing to free then). */
struct run_opts;
int build_check(const struct run_opts *o, struct scenario **out);

#endif
