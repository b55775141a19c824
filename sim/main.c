/*
 * main.c - the kubesim program: finds the command in the command table and
 * runs it. Only main (through the commands) decides the exit status.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sim/cmd.h"
#include "sim/hugepages.h"

extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_validate_entry;
extern const struct cmd_entry cmd_hpa_eval_entry;
extern const struct cmd_entry cmd_schedule_entry;
extern const struct cmd_entry cmd_events_entry;
extern const struct cmd_entry cmd_describe_entry;
extern const struct cmd_entry cmd_compare_entry;
extern const struct cmd_entry cmd_sweep_entry;
extern const struct cmd_entry cmd_merge_entry;
extern const struct cmd_entry cmd_report_entry;

static const struct cmd_entry *const cmd_table[] = {
	&cmd_run_entry,
	&cmd_validate_entry,
	&cmd_hpa_eval_entry,
	&cmd_schedule_entry,
	&cmd_events_entry,
	&cmd_describe_entry,
	&cmd_compare_entry,
	&cmd_sweep_entry,
	&cmd_merge_entry,
	&cmd_report_entry,
	NULL
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: kubesim COMMAND [ARGS]...\n\n"
	    "kubesim is a discrete-event Kubernetes cluster simulator.\n\ncommands:\n");
	for (size_t i = 0; cmd_table[i] != NULL; i++)
		fprintf(f, "  %-10s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	fprintf(f, "\nkubesim COMMAND --help shows a command's options; kubesim --version its version.\n");
}

void
cmd_print_help(const struct cmd_entry *c)
{
	printf("usage: kubesim %s %s\n\n%s\n", c->name, c->usage, c->summary);
	if (c->help != NULL && c->help[0] != '\0')
		printf("\n%s", c->help);
}

int
cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/* The commands that simulate, for long enough that the memory's pages
 * matter (hugepages.c). */
static bool
simulates(const char *cmd)
{
	return strcmp(cmd, "run") == 0 || strcmp(cmd, "sweep") == 0 ||
	    strcmp(cmd, "schedule") == 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return KS_EXIT_BAD_INPUT;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return KS_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("kubesim %s\n", PACKAGE_VERSION);
		return KS_EXIT_OK;
	}
	for (size_t i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(argv[1], cmd_table[i]->name) == 0) {
			if (cmd_wants_help(argc - 1, argv + 1)) {
				cmd_print_help(cmd_table[i]);
				return KS_EXIT_OK;
			}
			if (simulates(argv[1]))
				ks_hugepages_restart(argv);
			return cmd_table[i]->exec(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "kubesim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return KS_EXIT_BAD_INPUT;
}
