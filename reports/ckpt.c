/*
 * ckpt.c - the results file's WAL checkpoints on a thread of their own, so
 * the simulation does not wait for the disk.
 *
 * A checkpoint copies the WAL's pages into the file and syncs both (the
 * syncs are what keeps a power cut from corrupting the file under
 * synchronous=NORMAL). Done by the writing connection after a commit, as
 * SQLite's auto-checkpoint does, the run stands still for the copy and both
 * fsyncs: about 7 s of a day at the limits on this project's machine, whose
 * CPU is otherwise busy. Here a thread with its own connection runs a
 * PASSIVE checkpoint (it neither waits for nor blocks the writer) once the
 * WAL holds RPT_WAL_CHECKPOINT_PAGES frames; the writer keeps committing
 * meanwhile. A WAL is reused from its start only when a transaction begins
 * with every frame copied, which a thread that lags the writer never leaves
 * it: so at the first commit after the thread finished, the writer copies
 * the few frames committed since, itself (a short copy and syncs of little),
 * and its next transaction starts the WAL over. The WAL thus stays near the
 * limit it had, and a power cut loses what it lost before. Should the
 * thread fall behind by four times the limit (a slow disk) the writer waits
 * for it and copies the rest: the WAL never holds more than four times the
 * limit and a batch. A checkpoint's error (a full disk) is the next commit's error, as
 * SQLite's auto-checkpoint reports it (the commit itself is kept).
 * Without threads (pthread_create fails) rpt_ckpt_start returns NULL and
 * the writer keeps SQLite's auto-checkpoint. KS_RESULTS_CHECKPOINT=inline
 * does the same, to compare.
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "reports/ckpt.h"
#include "sim/util/util.h"

enum ck_state {
	CK_IDLE,	/* the thread waits; the WAL is below the limit */
	CK_ASKED,	/* the thread checkpoints (or is about to) */
	CK_DONE		/* it did: the writer copies what came since */
};

struct rpt_ckpt {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;		/* state or stop changed */
	sqlite3		*db;		/* the thread's connection */
	int		 fd;		/* the file, to sync after each copy */
	int		 pages;		/* frames that start a checkpoint */
	enum ck_state	 state;
	bool		 stop;
	int		 backfilled;	/* frames in the file after the thread's last */
	int		 err;		/* first error of the thread's checkpoints */
	size_t		 nthread, nwriter;	/* checkpoints each side ran */
};

static void *
ck_main(void *arg)
{
	struct rpt_ckpt *k = arg;
	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->stop && k->state != CK_ASKED)
			pthread_cond_wait(&k->cv, &k->mu);
		if (k->stop)
			break;
		pthread_mutex_unlock(&k->mu);
		int nlog = 0, nckpt = 0;
		int rc = sqlite3_wal_checkpoint_v2(k->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		/* A PASSIVE checkpoint that the writer outran leaves the
		 * file's sync to the one that reaches the WAL's end (the
		 * writer's copy): sync what was copied now, off its path. */
		if (rc == SQLITE_OK && nckpt > 0 && fdatasync(k->fd) != 0)
			rc = SQLITE_IOERR_FSYNC;
		pthread_mutex_lock(&k->mu);
		k->backfilled = rc == SQLITE_OK && nckpt > 0 ? nckpt : 0;
		if (rc != SQLITE_OK && rc != SQLITE_BUSY && k->err == SQLITE_OK)
			k->err = rc;
		k->nthread++;
		k->state = CK_DONE;
		pthread_cond_broadcast(&k->cv);
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* SQLite's WAL hook of the writing connection: after each commit, with
 * the WAL's frames. */
static int
ck_hook(void *arg, sqlite3 *db, const char *schema, int nframes)
{
	struct rpt_ckpt *k = arg;
	bool copy = false;
	pthread_mutex_lock(&k->mu);
	int err = k->err;
	if (err == SQLITE_OK) {
		bool full = nframes >= 4 * k->pages;
		if (k->state == CK_IDLE && nframes >= k->pages) {
			k->state = CK_ASKED;
			pthread_cond_broadcast(&k->cv);
		} else if (k->state == CK_ASKED && full) {
			while (k->state != CK_DONE)	/* it fell behind */
				pthread_cond_wait(&k->cv, &k->mu);
		}
		if (k->state == CK_DONE && !full &&
		    nframes - k->backfilled > k->pages / 16) {
			k->state = CK_ASKED;	/* much came since: again */
			pthread_cond_broadcast(&k->cv);
		} else if (k->state == CK_DONE) {
			k->state = CK_IDLE;
			copy = true;
			k->nwriter++;
		}
	}
	pthread_mutex_unlock(&k->mu);
	if (err != SQLITE_OK)
		return err;
	if (!copy)
		return SQLITE_OK;
	int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	return rc == SQLITE_BUSY ? SQLITE_OK : rc;
}

struct rpt_ckpt *
rpt_ckpt_start(sqlite3 *w, const char *path, int pages)
{
	const char *env = getenv("KS_RESULTS_CHECKPOINT");
	if (env != NULL && strcmp(env, "inline") == 0)
		return NULL;
	struct rpt_ckpt *k = xcalloc(1, sizeof *k);
	k->pages = pages;
	k->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (k->fd < 0 || sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(k->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK) {
		sqlite3_close(k->db);
		if (k->fd >= 0)
			close(k->fd);
		free(k);
		return NULL;
	}
	sqlite3_wal_autocheckpoint(k->db, 0);	/* it never commits anyway */
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->thread, NULL, ck_main, k) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		sqlite3_close(k->db);
		close(k->fd);
		free(k);
		return NULL;
	}
	sqlite3_wal_hook(w, ck_hook, k);	/* replaces the auto-checkpoint */
	return k;
}

void
rpt_ckpt_counts(struct rpt_ckpt *k, size_t *on_thread, size_t *by_writer)
{
	*on_thread = *by_writer = 0;
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	*on_thread = k->nthread;
	*by_writer = k->nwriter;
	pthread_mutex_unlock(&k->mu);
}

void
rpt_ckpt_stop(struct rpt_ckpt *k, sqlite3 *w)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	sqlite3_wal_hook(w, NULL, NULL);
	sqlite3_close(k->db);
	close(k->fd);
	if (getenv("KS_RESULTS_CHECKPOINT_STATS") != NULL)
		fprintf(stderr, "kubesim: results checkpoints: %zu on the thread, "
		    "%zu by the writer\n", k->nthread, k->nwriter);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	free(k);
}
