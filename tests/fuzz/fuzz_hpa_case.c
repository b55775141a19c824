/*
 * fuzz_hpa_case.c - libFuzzer target: `kubesim hpa-eval` case files
 * (hpa_case_parse): an HPA, its pods and their metrics at one instant;
 * a case that parses is reconciled as hpa-eval does.
 */
#include "config.h"

#include "scenarios/hpa_case.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpa_case *c = NULL;
	char *cause = NULL;
	if (hpa_case_parse("case.yaml", (const char *)data, size, &c, &cause) == 0) {
		struct hpa_result r;
		hpa_reconcile(&c->cfg, &c->in, &c->state, &r);
		hpa_result_fini(&r);
		hpa_case_free(c);
	}
	else if (cause == NULL)
		abort();
	free(cause);
	return 0;
}
