/*
 * samples.h - a column of numbers read from a CSV file with libcsv, for
 * empirical distributions (service times sampled uniformly from measured
 * values). Errors name path:row:col like the traffic traces do.
 */
#ifndef KS_WL_SAMPLES_H
#define KS_WL_SAMPLES_H

#include <stddef.h>

/*
 * Reads the column named `column` (NULL: the first column) of the CSV file
 * at path, after its header line, into a new array *out of *n >= 1 values
 * (caller frees), each multiplied by scale (> 0; e.g. seconds per token).
 * Values must be finite numbers >= 0. Empty lines are skipped. On bad input
 * returns -1 with *cause (caller frees): "path:ROW:COL: what was expected"
 * (ROW the file line, 1 = the header; COL 1-based), or "path: why".
 */
int wl_samples_load(const char *path, const char *column, double scale,
    double **out, size_t *n, char **cause);

#endif
