import type { Reference, VapiItem } from "../resource";

// Readers for the relations the descriptors declare (vapi-resources.md, "Relations"): they look
// at Vapi's object as it is and never trust its shape (it is Vapi's to define).

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** `field` of the item names one item of `resource` (a phone number's `assistantId`). */
export const byField = (resource: string, field: string): Reference => ({
  resource,
  field,
  ids: (item: VapiItem) => (typeof item[field] === "string" ? [item[field]] : []),
});

/** Each object of the array `list` names one item of `resource` by `field` (a squad's `members[].assistantId`). */
export const byEach = (resource: string, list: string, field: string): Reference => ({
  resource,
  field: `${list}[].${field}`,
  ids: (item: VapiItem) => {
    const entries = item[list];
    return Array.isArray(entries) ? entries.flatMap((e) => (isRecord(e) ? strings([e[field]]) : [])) : [];
  },
});

/** The string array `field` of the object `parent` names items of `resource` (an assistant's `model.toolIds`). */
export const byNestedList = (resource: string, parent: string, field: string): Reference => ({
  resource,
  field: `${parent}.${field}`,
  ids: (item: VapiItem) => {
    const p = item[parent];
    return isRecord(p) ? strings(p[field]) : [];
  },
});
