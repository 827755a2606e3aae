import { errorMessage, limits, NODE_PROTOCOL_VERSION, tooDeepMessage, tooLargeResultMessage, valueNestsDeeper, type NodeMessage } from "@medusa/core";

/**
 * A message to the gateway as the text of its frame. A chunk's result or a
 * round's partials come from the program, so they are checked against the
 * depth and size limits first (JSON.stringify would overflow the stack on a
 * deep one, and the gateway would drop the socket on a big one): a value
 * over a limit goes out as that chunk's or round's error instead, naming the
 * limit (`refused` says why). Anything else that cannot be written has no
 * text, and is not sent.
 */
export function encodeNodeMessage(msg: NodeMessage): { text?: string; refused?: string } {
  const value = msg.type === "result" ? msg.results : msg.type === "session_partials" ? msg.partials : undefined;
  if (value !== undefined && valueNestsDeeper(value, msg.type === "result" ? limits.jsonDepth : limits.jsonDepth + 2)) return refusal(msg, tooDeepMessage("result"));
  let text: string;
  try {
    text = JSON.stringify(msg);
  } catch (err) {
    return refusal(msg, `result could not be written as JSON: ${errorMessage(err)}`);
  }
  if (value === undefined) return { text };
  const bytes = Buffer.byteLength(text);
  if (bytes > limits.resultBytes + limits.envelopeBytes) return refusal(msg, tooLargeResultMessage(bytes));
  if (msg.type === "result") {
    const resultBytes = bytes - Buffer.byteLength(JSON.stringify({ ...msg, results: 0 })) + 1;
    if (resultBytes > limits.resultBytes) return refusal(msg, tooLargeResultMessage(resultBytes));
  }
  return { text };
}

/** The error frame standing in for a result or partials that cannot go out. */
function refusal(msg: NodeMessage, message: string): { text?: string; refused: string } {
  if (msg.type === "result") {
    const { jobId, index, token } = msg;
    return { refused: message, text: JSON.stringify({ v: NODE_PROTOCOL_VERSION, type: "error", jobId, index, token, error: { message } } satisfies NodeMessage) };
  }
  if (msg.type === "session_partials") {
    return { refused: message, text: JSON.stringify({ v: NODE_PROTOCOL_VERSION, type: "session_error", sessionId: msg.sessionId, round: msg.round, message } satisfies NodeMessage) };
  }
  return { refused: message };
}
