import { z } from "zod";

/** A Vapi assistant: four server fields are always present; the rest is Vapi's to define. */
export const AssistantShape = {
  id: z.string(),
  orgId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

const AssistantLoose = z.looseObject(AssistantShape);
export type Assistant = z.infer<typeof AssistantLoose>;

/**
 * The fields the cache relies on (ids, ordering, versions), for checking Vapi's answers. Parsing
 * with AssistantSchema would copy every key of every assistant (a loose object is rebuilt); this
 * one builds four keys, and the client keeps Vapi's object as it came.
 */
export const AssistantFields = z.object(AssistantShape);

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
