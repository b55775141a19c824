/*
 * hugepages.h - transparent huge pages for the long commands (hugepages.c).
 */
#ifndef KS_HUGEPAGES_H
#define KS_HUGEPAGES_H

/* Starts the program again (same argv, same pid) with glibc's malloc asking
 * for transparent huge pages, when it does not yet and may; returns when it
 * does not restart. */
void ks_hugepages_restart(char **argv);

#endif
