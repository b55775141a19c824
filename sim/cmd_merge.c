/*
 * cmd_merge.c - `kubesim merge OUT.db IN.db...`: joins results databases
 * (the shards of a sweep, runs made on other machines) into OUT, remapping
 * run ids; an input holding a run OUT already has is refused whole.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/report.h"
#include "sim/cmd.h"

static int
merge_exec(int argc, char **argv)
{
	bool quiet = false;
	int first = 1;
	if (argc > 1 && (strcmp(argv[1], "-q") == 0 || strcmp(argv[1], "--quiet") == 0)) {
		quiet = true;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "kubesim merge: unknown option '%s' (see kubesim merge "
			    "--help)\n", argv[i]);
			return KS_EXIT_BAD_INPUT;
		}
	}
	if (argc - first < 2) {
		fprintf(stderr, "kubesim merge: expected OUT.db and at least one IN.db (see "
		    "kubesim merge --help)\n");
		return KS_EXIT_BAD_INPUT;
	}
	/* Check every input before the output is created or changed. */
	char *cause = NULL;
	struct stat so, si;
	bool out_exists = stat(argv[first], &so) == 0;
	for (int i = first + 1; i < argc; i++) {
		struct rpt *chk;
		if (rpt_open_readonly(argv[i], &chk, &cause) < 0) {
			fprintf(stderr, "kubesim merge: %s\n", cause);
			free(cause);
			return KS_EXIT_BAD_INPUT;
		}
		rpt_close(chk);
		if (out_exists && stat(argv[i], &si) == 0 && si.st_dev == so.st_dev &&
		    si.st_ino == so.st_ino) {
			fprintf(stderr, "kubesim merge: %s is the output file\n", argv[i]);
			return KS_EXIT_BAD_INPUT;
		}
	}
	struct rpt *r;
	if (rpt_open(argv[first], &r, &cause) < 0) {
		fprintf(stderr, "kubesim merge: %s\n", cause);
		free(cause);
		return KS_EXIT_BAD_INPUT;
	}
	int rc = KS_EXIT_OK;
	for (int i = first + 1; i < argc; i++) {
		int64_t n = 0;
		if (rpt_merge_file(r, argv[i], NULL, &n, &cause) < 0) {
			fprintf(stderr, "kubesim merge: %s\n", cause);
			free(cause);
			rc = KS_EXIT_BAD_INPUT;
			break;
		}
		if (!quiet)
			printf("%s: %" PRId64 " runs merged into %s\n", argv[i], n, argv[first]);
	}
	rpt_close(r);
	return rc;
}

const struct cmd_entry cmd_merge_entry = {
	.name = "merge",
	.usage = "[-q] OUT.db IN.db...",
	.summary = "join results databases (sweep shards) into one",
	.help =
	    "Copies every run of each IN.db, with all its rows, into OUT.db (created when\n"
	    "missing), giving each a new run id; params, seeds and results are unchanged.\n"
	    "Each input is merged in one transaction. An input holding a run whose\n"
	    "scenario, seed and params equal those of a finished run already in OUT.db\n"
	    "(a shard merged twice, a sweep job run twice) is refused whole; inputs\n"
	    "merged before it stay merged.\n"
	    "\n"
	    "options:\n"
	    "  -q, --quiet   no per-file line\n"
	    "  -h, --help    this help\n"
	    "\n"
	    "Exit status: 0 success, 2 bad arguments, an input that is not a kubesim\n"
	    "results database, or a duplicate run.\n",
	.exec = merge_exec,
};
