/*
 * cmd.h - the command table of the kubesim program: one file per command,
 * each exporting a `const struct cmd_entry` (after tmux). Commands return the
 * process exit status: 0 success, 1 internal failure, 2 bad input.
 */
#ifndef KS_CMD_H
#define KS_CMD_H

struct cmd_entry {
	const char	*name;
	const char	*usage;		/* one line: arguments */
	const char	*summary;	/* one line: what it does */
	const char	*help;		/* the full --help text after usage */
	int		(*exec)(int argc, char **argv);
};

enum { KS_EXIT_OK = 0, KS_EXIT_FAILURE = 1, KS_EXIT_BAD_INPUT = 2 };

/* Prints the command's --help to stdout. */
void cmd_print_help(const struct cmd_entry *c);
/* True when argv has -h or --help before any "--". */
int cmd_wants_help(int argc, char **argv);

#endif
