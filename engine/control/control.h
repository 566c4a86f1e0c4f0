/* SPDX-License-Identifier: MIT */
/*
 * The control socket (control.c): a ZMQ ROUTER on a thread of its own answering JSON requests
 * (request.h) about a running pipeline — stats, rings, flows, version, loglevel — and taking
 * the operator's orders: reload, pause, resume, shutdown.
 *
 *   function               thread                  notes
 *   ---------------------  ----------------------  ------------------------------------------
 *   sl_control_create      main, before the        parses control.*, binds the endpoint (so an
 *                          pipeline starts         ipc path or low port is bound before run.user)
 *   sl_control_start       main                    starts the thread
 *   sl_control_stop        main                    ends the thread, closes the socket; NULL ok
 *
 * Reload and shutdown belong to the main loop: the control thread only sets a bit in *asks
 * and wakes it (the ask callback), never waits for it. Pause and resume are one flag the
 * capture threads read (pipeline.h). Nothing the control thread does takes a lock a stage
 * takes; flows are asked of each worker through its own request slot (worker.h).
 */
#ifndef SLUICE_CONTROL_H
#define SLUICE_CONTROL_H

#include <stdatomic.h>
#include <stddef.h>

struct sl_config;
struct sl_pipeline;
struct sl_conf_block;
struct sl_control;

/* What the control thread asks of the main loop (bits of *asks). */
#define SL_CONTROL_ASK_RELOAD 1u
#define SL_CONTROL_ASK_SHUTDOWN 2u

/* The control.* keys (registered by the engine with the modules' blocks). */
extern const struct sl_conf_block sl__control_block;

/* *out NULL when control.enabled is false. 0, or a negative errno with errbuf naming the key. */
int sl_control_create(const struct sl_config *cfg, struct sl_pipeline *pl, struct sl_control **out, char *errbuf,
                      size_t errlen);
/* asks: the main loop's bits; wake(arg) after setting one. */
int sl_control_start(struct sl_control *c, _Atomic unsigned *asks, void (*wake)(void *), void *arg, char *errbuf,
                     size_t errlen);
void sl_control_stop(struct sl_control *c);

#endif
