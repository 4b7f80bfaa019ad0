import { z } from "zod";

export type { Assistant } from "../../core/resources/assistants";
/** The four fields every Vapi config object has (the bench's `full-schema` variant uses this name). */
export { VapiItemShape as AssistantShape } from "../../core/resource";

/** Vapi's list answer: an array, or the paginated `{ results: [...] }`; items checked one by one. */
export const ListEnvelope = z.union([
  z.array(z.unknown()),
  z.object({ results: z.array(z.unknown()) }).transform((r) => r.results),
]);

/** NestJS error body as Vapi sends it. */
export const VapiErrorSchema = z.looseObject({
  message: z.union([z.string(), z.array(z.string())]).optional(),
  error: z.string().optional(),
});
