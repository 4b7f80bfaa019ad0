import { z } from "@hono/zod-openapi";

/** A Vapi assistant: four server fields are always present; the rest is Vapi's to define. */
export const AssistantSchema = z
  .looseObject({
    id: z.string(),
    orgId: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Assistant");

export type Assistant = z.infer<typeof AssistantSchema>;

/**
 * The fields the cache relies on (ids, ordering, versions), for checking Vapi's answers. Parsing
 * with AssistantSchema would copy every key of every assistant (a loose object is rebuilt); this
 * one builds four keys, and the client keeps Vapi's object as it came.
 */
export const AssistantFields = z.object({
  id: z.string(),
  orgId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** Vapi's list answer: an array, or the paginated `{ results: [...] }`; items checked one by one. */
export const AssistantListEnvelope = z.union([
  z.array(z.unknown()),
  z.object({ results: z.array(z.unknown()) }).transform((r) => r.results),
]);

/** NestJS error body as Vapi sends it. */
export const VapiErrorSchema = z.looseObject({
  message: z.union([z.string(), z.array(z.string())]).optional(),
  error: z.string().optional(),
});
