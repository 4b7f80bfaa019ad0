/** Durations of one answer, in ms, for Server-Timing. */
export interface Timing {
  cache: number;
  d1: number;
  vapi: number;
}

/** A zeroed Timing. */
export const newTiming = (): Timing => ({ cache: 0, d1: 0, vapi: 0 });

/** `Server-Timing` of an answer, success or failure. */
export const serverTiming = (t: Timing) => `cache;dur=${t.cache}, d1;dur=${t.d1}, vapi;dur=${t.vapi}`;
