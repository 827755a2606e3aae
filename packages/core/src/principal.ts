import { z } from "zod";

/** Who a token stands for: an account (API key or login token) or a volunteer's node. */
export const Principal = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("account"), accountId: z.string() }),
  z.object({ kind: z.literal("node"), nodeId: z.string(), ownerId: z.string() }),
]);
export type Principal = z.infer<typeof Principal>;
