/** preempt_count layout (include/linux/preempt.h). */
export const PREEMPT_OFFSET = 0x1;
export const PREEMPT_MASK = 0xff;
export const SOFTIRQ_OFFSET = 0x100;
export const SOFTIRQ_MASK = 0xff00;
export const SOFTIRQ_DISABLE_OFFSET = 0x200;
export const HARDIRQ_OFFSET = 0x10000;
export const HARDIRQ_MASK = 0xf0000;
export const NMI_OFFSET = 0x100000;
export const NMI_MASK = 0xf00000;
/** MIGHT_RESCHED_RCU_SHIFT: __might_resched() offsets carry the expected RCU depth here */
export const MIGHT_RESCHED_RCU_SHIFT = 8;
/** MIGHT_RESCHED_PREEMPT_MASK: the expected preempt_count part of those offsets */
export const MIGHT_RESCHED_PREEMPT_MASK = (1 << MIGHT_RESCHED_RCU_SHIFT) - 1;
/** HARDIRQ_SHIFT / SOFTIRQ_SHIFT: where hardirq_count() and softirq_count() start */
export const HARDIRQ_SHIFT = 16;
export const SOFTIRQ_SHIFT = 8;
