/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CSA tracepoints: a job's life (submit, run, complete) and recovery
 * (timeout, reset), in /sys/kernel/tracing/events/csa/.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM csa

#if !defined(CSA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define CSA_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(csa_job_event,
		    TP_PROTO(u64 seqno, u32 num_desc),
		    TP_ARGS(seqno, num_desc),
		    TP_STRUCT__entry(__field(u64, seqno)
				     __field(u32, num_desc)),
		    TP_fast_assign(__entry->seqno = seqno;
				   __entry->num_desc = num_desc;),
		    TP_printk("seqno=%llu descriptors=%u", __entry->seqno,
			      __entry->num_desc)
);

DEFINE_EVENT(csa_job_event, csa_submit,
	     TP_PROTO(u64 seqno, u32 num_desc),
	     TP_ARGS(seqno, num_desc)
);

DEFINE_EVENT(csa_job_event, csa_run,
	     TP_PROTO(u64 seqno, u32 num_desc),
	     TP_ARGS(seqno, num_desc)
);

DEFINE_EVENT(csa_job_event, csa_timeout,
	     TP_PROTO(u64 seqno, u32 num_desc),
	     TP_ARGS(seqno, num_desc)
);

TRACE_EVENT(csa_complete,
	    TP_PROTO(u64 seqno, u32 status, u64 cycles, int error),
	    TP_ARGS(seqno, status, cycles, error),
	    TP_STRUCT__entry(__field(u64, seqno)
			     __field(u32, status)
			     __field(u64, cycles)
			     __field(int, error)),
	    TP_fast_assign(__entry->seqno = seqno;
			   __entry->status = status;
			   __entry->cycles = cycles;
			   __entry->error = error;),
	    TP_printk("seqno=%llu status=%u cycles=%llu error=%d",
		      __entry->seqno, __entry->status, __entry->cycles,
		      __entry->error)
);

TRACE_EVENT(csa_reset,
	    TP_PROTO(u64 guilty_seqno, bool failed),
	    TP_ARGS(guilty_seqno, failed),
	    TP_STRUCT__entry(__field(u64, guilty_seqno)
			     __field(bool, failed)),
	    TP_fast_assign(__entry->guilty_seqno = guilty_seqno;
			   __entry->failed = failed;),
	    TP_printk("guilty=%llu failed=%d", __entry->guilty_seqno,
		      __entry->failed)
);

#endif /* CSA_TRACE_H */

/* out of tree: found through the Kbuild's -I$(CSA_SRC)/driver */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE csa_trace
#include <trace/define_trace.h>
