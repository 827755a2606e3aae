import { errorMessage, foreignVersion, GatewayMessage } from "@medusa/core";

/** One frame from the gateway: the message, or why it was ignored (the socket stays open either way). */
export function parseGatewayFrame(data: unknown): { message: GatewayMessage } | { ignored: string } {
  let json: unknown;
  try {
    json = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer));
  } catch (err) {
    return { ignored: `a frame that is not JSON: ${errorMessage(err)}` };
  }
  const foreign = foreignVersion(json, "node");
  if (foreign) return { ignored: `a frame: ${foreign}` };
  const parsed = GatewayMessage.safeParse(json);
  if (parsed.success) return { message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ignored: `a bad frame: ${issue?.path.join(".") || "message"}: ${issue?.message}` };
}
