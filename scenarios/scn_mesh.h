/*
 * scn_mesh.h - reading a service profile's mesh settings (retries,
 * circuitBreaker, rateLimit, calls) and checking the call graph across
 * services (scn_mesh.c). Private to scenarios/.
 */
#ifndef KS_SCN_MESH_H
#define KS_SCN_MESH_H

#include "models/serving/mesh.h"
#include "scenarios/scenario.h"
#include "sim/util/ytree.h"

/* The mesh keys of service node svc into *g (zeroed by the caller). */
int scn_mesh(const struct yt_node *svc, struct mesh_cfg *g, char **cause);
/* Every call names a service profile, and the calls form no cycle;
 * svcs is the scenario's services list (positions of the calls). */
int scn_mesh_finish(struct scenario *s, const struct yt_node *svcs, char **cause);
void scn_mesh_free(struct mesh_cfg *g);

#endif
