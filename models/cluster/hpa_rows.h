/*
 * hpa_rows.h - the HPA controller's decision rows (hpa_decisions): each
 * HPA's last row kept as its parts, so that a sync compares numbers and
 * short strings and builds the row's text only when it changed
 * (hpaDecisions: onChange), and the comparisons of metric results the
 * controller's memo and repeat also use. Private to models/cluster/.
 */
#ifndef KS_HPA_ROWS_H
#define KS_HPA_ROWS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/cluster/store.h"
#include "models/hpa/hpa.h"
#include "sim/util/util.h"

/* A metric result's values, as metric_values_eq compares them. */
struct hz_values {
	int64_t	average_milli, value_milli;
	int32_t	proposal, utilization;
	bool	valid, has_utilization, has_average, has_value;
};

/*
 * What an HPA's last row was made of (every column but t_s), so that a
 * sync compares numbers and short strings, and builds the proposals' text
 * only when they differ. onChange: parts that differ give a different row
 * but where they could print the same (hz_row_may_alias), and there the
 * rows' texts are built and compared, so parts that differ but print the
 * same write nothing, as before. The texts are rewritten in place: their
 * buffers keep their room.
 */
struct hz_last {
	bool			 set;
	int32_t			 current, stabilized, desired;
	char			 limited[sizeof ((struct hpa_condition *)0)->reason];
	struct ks_buf		 reason;
	struct hpa_metric_result *metrics;	/* error left NULL */
	size_t			 nmetrics, capmetrics;
	struct ks_buf		 props;		/* proposals_json of metrics */
};

/* onChange: two rows' texts, built where parts that differ could print
 * the same (hz_row); and the proposals' text as it is built. */
struct hz_row_texts {
	struct ks_buf	row, row_was;
	struct ks_buf	props;		/* proposals_json's scratch */
};

static inline struct hz_values
metric_values(const struct hpa_metric_result *m)
{
	return (struct hz_values){ m->average_milli, m->value_milli, m->proposal,
	    m->utilization, m->valid, m->has_utilization, m->has_average, m->has_value };
}

/* metric_values_eq of a and the result whose values are b. */
static inline bool
metric_values_eq_to(const struct hpa_metric_result *a, const struct hz_values *b)
{
	return a->valid && b->valid && a->proposal == b->proposal &&
	    a->has_utilization == b->has_utilization && a->utilization == b->utilization &&
	    a->has_average == b->has_average && a->average_milli == b->average_milli &&
	    a->has_value == b->has_value && a->value_milli == b->value_milli;
}

/*
 * Valid metric results a and b are the same in all a reconcile and a row
 * read of them but their names, which are their metric spec's (every valid
 * result of hpa_controller.c's is named from its spec alone).
 */
static inline bool
metric_values_eq(const struct hpa_metric_result *a, const struct hpa_metric_result *b)
{
	struct hz_values v = metric_values(b);
	return metric_values_eq_to(a, &v);
}

/* The text columns of r's row. */
static inline const char *
row_limited(const struct hpa_result *r)
{
	const struct hpa_condition *lim = &r->cond[HPA_COND_SCALING_LIMITED];
	return lim->set && lim->status ? lim->reason : "";
}

static inline const char *
row_reason(const struct hpa_result *r)
{
	return r->error ? r->error : r->rescale ? r->rescale_reason :
	    r->cond[HPA_COND_ABLE_TO_SCALE].reason;
}

/* Metric results a and b print the same proposals_json entry. */
bool metric_row_eq(const struct hpa_metric_result *a, const struct hpa_metric_result *b);
/* The row of r (limited and reason its text columns) has the parts of l. */
bool hz_last_eq(const struct hz_last *l, const struct hpa_result *r, const char *limited,
    const char *reason);
void hz_last_fini(struct hz_last *l);
/* The row of l's parts at now, for the HPA named name. */
void hz_emit(struct cluster *c, const char *name, const struct hz_last *l, sim_ns now);
/*
 * The row of r: l, the HPA's last row, takes its parts when they differ,
 * with the proposals' text, and it is written unless onChange finds it
 * prints as the last one (every column but the time).
 */
void hz_row(struct cluster *c, const char *name, struct hz_last *l,
    const struct hpa_result *r, sim_ns now, struct hz_row_texts *t);

#endif
