/*
 * ckpt.h - the results file's WAL checkpoints on a thread (reports/ckpt.c).
 */
#ifndef KS_REPORTS_CKPT_H
#define KS_REPORTS_CKPT_H

#include <sqlite3.h>

struct rpt_ckpt;

/*
 * Checkpoints the WAL of w's file (at path, in WAL mode) on a thread with
 * its own connection once it holds `pages` frames, through w's WAL hook
 * (which replaces its auto-checkpoint). NULL when no thread could be
 * started, or KS_RESULTS_CHECKPOINT=inline: w keeps its auto-checkpoint.
 */
struct rpt_ckpt *rpt_ckpt_start(sqlite3 *w, const char *path, int pages);

/* The checkpoints run so far: on the thread, and the writer's copies of
 * what came since (both 0 for NULL). */
void rpt_ckpt_counts(struct rpt_ckpt *k, size_t *on_thread, size_t *by_writer);

/* Stops the thread (after the checkpoint it runs, if any) and closes its
 * connection; w's hook is removed. Call before closing w. NULL: nothing. */
void rpt_ckpt_stop(struct rpt_ckpt *k, sqlite3 *w);

#endif
