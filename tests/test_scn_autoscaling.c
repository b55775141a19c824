/*
 * test_scn_autoscaling.c - the scenario's autoscaling parts (scenarios/
 * autoscaling.c): VerticalPodAutoscaler manifests, queues: and
 * clusterAutoscaler: from tests/data/scn_autoscaling.yaml, asserted field by
 * field against the defaults, and a table of bad inputs under
 * tests/bad_input/ with the exact message (file:line:col and text) each gives.
 */
#include "config.h"

#include <stdint.h>

#include "scenarios/scenario.h"
#include "tests/testlib.h"
#include "workloads/traffic.h"

#define MI (1024LL * 1024)
#define GI (1024LL * MI)

/* The message with the source directory prefix removed. */
static const char *
rel(const char *msg)
{
	static char buf[2048];
	const char *top = tl_src("");
	size_t n = strlen(top), o = 0;
	while (*msg != '\0' && o + 1 < sizeof buf) {
		if (strncmp(msg, top, n) == 0)
			msg += n;
		else
			buf[o++] = *msg++;
	}
	buf[o] = '\0';
	return buf;
}

static void
test_features(void)
{
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(tl_src("tests/data/scn_autoscaling.yaml"), NULL, 0, &s, &cause) < 0) {
		FAILF("scn_load: %s", rel(cause));
		free(cause);
		return;
	}
	CHECK_INT(s->nnotes, 0);
	CHECK_INT(s->nvpas, 2);
	const struct vpa_spec *v = &s->vpas[0];
	CHECK_STR(v->name, "worker-vpa");
	CHECK_STR(v->namespace, "default");
	CHECK_STR(v->target_kind, "Deployment");
	CHECK_STR(v->target_name, "worker");
	CHECK_INT(v->mode, VPA_MODE_OFF);
	CHECK_INT(v->min_replicas, 3);
	CHECK_INT(v->npolicies, 3);
	CHECK_STR(rel(s->vpa_where[0]), "tests/data/scn_autoscaling.yaml:30:64");
	const struct vpa_container_policy *p = vpa_policy_for(v, "main");
	CHECK(p == &v->policies[2]);
	CHECK(p->control_cpu && !p->control_memory && !p->off);
	CHECK(p->has_max_cpu && p->max_cpu_milli == 1500 && !p->has_min_cpu);
	p = vpa_policy_for(v, "sidecar");
	CHECK(p == &v->policies[1] && p->off);
	p = vpa_policy_for(v, "other-container");	/* the "*" policy */
	CHECK(p == &v->policies[0]);
	CHECK(p->control_cpu && p->control_memory);
	CHECK_INT(p->min_cpu_milli, 50);
	CHECK_INT(p->min_memory, 100 * MI);
	CHECK_INT(p->max_cpu_milli, 2000);
	CHECK_INT(p->max_memory, 2 * GI);
	/* updateMode defaults to Auto, which is Recreate. */
	CHECK_STR(s->vpas[1].name, "other");
	CHECK_INT(s->vpas[1].mode, VPA_MODE_RECREATE);
	CHECK_INT(s->vpas[1].min_replicas, 0);
	CHECK_INT(s->vpas[1].npolicies, 0);

	CHECK_INT(s->nqueues, 2);
	const struct scn_queue *q = &s->queues[0];
	CHECK_STR(q->name, "jobs");
	CHECK_STR(q->consumer, "worker");
	CHECK(q->rate_per_pod == 12.5);
	CHECK_NEAR(q->cpu_per_message, 0.040, 1e-12);
	CHECK(q->initial_length == 100);
	/* 30/s for an hour plus 20/s for its second half. */
	CHECK_NEAR(wl_count(q->arrivals, 0, SIM_HOUR), 30.0 * 3600 + 20.0 * 1800, 1e-6);
	q = &s->queues[1];
	CHECK_STR(q->consumer, "other");
	CHECK_NEAR(q->cpu_per_message, 0.5, 1e-12);	/* plain seconds */
	CHECK(q->initial_length == 0);
	CHECK_NEAR(wl_count(q->arrivals, 0, 10 * SIM_SEC), 5.0, 1e-9);

	CHECK(s->has_ca_config);
	const struct ca_config *c = &s->ca;
	struct ca_config d = ca_config_defaults();
	CHECK_INT(c->nexpanders, 2);
	CHECK_INT(c->expanders[0], CA_EXPANDER_PRIORITY);
	CHECK_INT(c->expanders[1], CA_EXPANDER_LEAST_WASTE);
	CHECK_INT(c->npriorities, 2);
	CHECK(c->priorities == s->ca_priorities);
	CHECK_INT(c->priorities[0].priority, 10);
	CHECK_INT(c->priorities[0].npatterns, 1);
	CHECK_STR(c->priorities[0].patterns[0], ".*spot.*");
	CHECK_INT(c->priorities[1].priority, 50);
	CHECK_INT(c->priorities[1].npatterns, 2);
	CHECK_STR(c->priorities[1].patterns[1], "medium");
	CHECK(c->scale_down_utilization_threshold == 0.65);
	CHECK_INT(c->scale_down_unneeded_time, 5 * SIM_MIN);
	CHECK_INT(c->scale_down_delay_after_add, 3 * SIM_MIN);
	CHECK_INT(c->scale_down_delay_after_delete, 10 * SIM_SEC);
	CHECK_INT(c->scale_down_delay_after_failure, SIM_MIN);
	CHECK_INT(c->max_node_provision_time, 10 * SIM_MIN);
	CHECK_INT(c->max_nodes_total, 8);
	CHECK_INT(c->scan_interval, 20 * SIM_SEC);
	/* Flags not in the section keep upstream's defaults. */
	CHECK_INT(c->scale_down_unready_time, d.scale_down_unready_time);
	CHECK_INT(c->max_node_startup_time, d.max_node_startup_time);
	CHECK_INT(c->max_nodes_per_scaleup, d.max_nodes_per_scaleup);
	scn_free(s);

	/* Without the section: the defaults, and not set. */
	if (scn_load(tl_src("scenarios/ecommerce.yaml"), NULL, 0, &s, &cause) < 0) {
		FAILF("scn_load: %s", rel(cause));
		free(cause);
		return;
	}
	CHECK(!s->has_ca_config);
	CHECK_INT(s->ca.nexpanders, 1);
	CHECK_INT(s->ca.expanders[0], CA_EXPANDER_LEAST_WASTE);
	CHECK_INT(s->ca.scale_down_unneeded_time, 10 * SIM_MIN);
	CHECK_INT(s->nvpas + s->nqueues, 0);
	scn_free(s);

	/* --set reaches the new sections. */
	struct scn_override ov[] = {
		{ "clusterAutoscaler.maxNodesTotal", "5" },
		{ "queues.0.ratePerPod", "40" },
	};
	if (scn_load(tl_src("tests/data/scn_autoscaling.yaml"), ov, 2, &s, &cause) < 0) {
		FAILF("scn_load with --set: %s", rel(cause));
		free(cause);
		return;
	}
	CHECK_INT(s->ca.max_nodes_total, 5);
	CHECK(s->queues[0].rate_per_pod == 40);
	scn_free(s);
}

/* Each file under tests/bad_input/ for these sections and its message. */
static const struct {
	const char	*file;
	const char	*want;
} bad[] = {
	{ "vpa_unknown_field.yaml", "20:7: unknown field 'updatePolcy' in "
	  "VerticalPodAutoscaler spec (did you mean 'updatePolicy'?)" },
	{ "vpa_bad_mode.yaml", "20:34: updateMode must be Off, Initial, Recreate or Auto, "
	  "found 'Recreat' (did you mean 'Recreate'?)" },
	{ "vpa_missing_target.yaml", "19:64: VerticalPodAutoscaler 'analytics' targets "
	  "Deployment 'analytic', which is not in the manifests" },
	{ "vpa_min_gt_max.yaml", "24:25: maxAllowed must not be less than minAllowed" },
	{ "vpa_bad_resource.yaml", "23:40: a controlled resource must be cpu or memory, "
	  "found 'memroy' (did you mean 'memory'?)" },
	{ "queue_unknown_consumer.yaml", "17:15: Deployment 'analytcs' is not in the "
	  "manifests (did you mean 'analytics'?)" },
	{ "queue_unknown_field.yaml", "18:5: unknown field 'ratePerPd' in queue (did you "
	  "mean 'ratePerPod'?)" },
	{ "queue_zero_rate.yaml", "18:17: ratePerPod must be positive, found '0'" },
	{ "queue_no_arrivals.yaml", "16:5: queue 'readings' needs arrivals (a traffic "
	  "list: generators or a trace, in messages per second)" },
	{ "ca_unknown_field.yaml", "17:3: unknown field 'scaleDownUnneededTme' in "
	  "clusterAutoscaler (did you mean 'scaleDownUnneededTime'?)" },
	{ "ca_bad_expander.yaml", "16:13: unknown expander 'least-wast' (did you mean "
	  "'least-waste'?)" },
	{ "ca_priority_missing.yaml", "16:13: the priority expander needs 'priorities' "
	  "(priority: [node group name patterns])" },
	/* The regex library's own words follow; the prefix is ours. */
	{ "ca_bad_regexp.yaml", "19:9: can't compile regexp rule for priority 20 and "
	  "rule [a-: " },
	{ "ca_bad_threshold.yaml", "16:34: scaleDownUtilizationThreshold must be between "
	  "0 and 1, found '1.5'" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[256], want[1024];
		snprintf(path, sizeof path, "tests/bad_input/%s", bad[i].file);
		snprintf(want, sizeof want, "%s:%s", path, bad[i].want);
		struct scenario *s = NULL;
		char *cause = NULL;
		if (scn_load(tl_src(path), NULL, 0, &s, &cause) == 0) {
			FAILF("%s: loaded without error", bad[i].file);
			scn_free(s);
			continue;
		}
		const char *got = rel(cause);
		bool prefix = want[strlen(want) - 2] == ':' && want[strlen(want) - 1] == ' ';
		if (prefix ? strncmp(got, want, strlen(want)) == 0 : strcmp(got, want) == 0)
			PASS();
		else
			FAILF("%s:\n   got  %s\n   want %s", bad[i].file, got, want);
		CHECK(s == NULL);
		free(cause);
	}
}

int
main(void)
{
	test_features();
	test_bad();
	return tl_finish();
}
