/* SPDX-License-Identifier: MIT */
/*
 * pim_batch.h - KV_APPEND_BATCH and ATTENTION_BATCH (docs/commands.md 5.14,
 * 5.15): one command for B requests, each with its own KV cache (a slot
 * of the command's KV pool) and its own length, read from a table in
 * device memory.  Each request's result is bit for bit that of the single
 * KV_APPEND / ATTENTION on its cache.
 */
#ifndef CSA_PIM_BATCH_H
#define CSA_PIM_BATCH_H

#include "hw/cycle_model.h"

/* Reads the table of a descriptor csa_hw_check_desc() accepted into
 * @entries (CSA_BATCH_MAX room) and checks every entry: slot < slots and
 * len <= max_seq, and for ATTENTION_BATCH n_heads * head_dim * (sum of
 * len) <= CSA_ATTN_BATCH_WORK_MAX.  Returns CSA_STATUS_OK or
 * CSA_STATUS_BAD_ARG. */
int csa_kv_batch_table(struct csa_hw *hw, const struct csa_desc *d,
		       struct csa_kv_entry *entries);

/* The work of a KV_APPEND_BATCH / ATTENTION_BATCH descriptor whose table
 * holds @entries (checked): the single commands' works of its requests
 * summed (an idle entry, len 0, only writes ATTENTION's zero output), the
 * ConSmax tables read once, plus the table itself.  @p resolved. */
void csa_kv_batch_work(const struct csa_cycle_params *p,
		       const struct csa_desc *d,
		       const struct csa_kv_entry *entries,
		       struct csa_cmd_work *w);

#endif /* CSA_PIM_BATCH_H */
