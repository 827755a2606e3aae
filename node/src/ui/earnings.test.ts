import { afterAll, describe, expect, test } from "bun:test";
import { gatewayEarnings } from "./earnings.ts";

describe("gatewayEarnings", () => {
  const asked: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      asked.push(req.headers.get("authorization") ?? "");
      return Response.json({ creditsEarned: 12, chunksDone: 4 });
    },
  });
  const live = `http://127.0.0.1:${server.port}`;
  afterAll(() => server.stop(true));

  test("asks /v1/nodes/me with the node's token and keeps the answer for a few seconds", async () => {
    let clock = 0;
    const read = gatewayEarnings(live, "tok", () => clock);
    expect(await read()).toEqual({ creditsEarned: 12, chunksDone: 4 });
    clock = 1_000;
    await read();
    expect(asked).toEqual(["Bearer tok"]);
  });

  test("with several gateways (a,b), one that cannot be reached is left for the next", async () => {
    // Port 1 on loopback refuses at once: a gateway that died.
    const read = gatewayEarnings(`http://127.0.0.1:1,${live}`, "tok");
    expect(await read()).toEqual({ creditsEarned: 12, chunksDone: 4 });
  });

  test("when none answers, the page is told why instead of the figures", async () => {
    const value = await gatewayEarnings("http://127.0.0.1:1", "tok")();
    expect(value).toHaveProperty("error");
  });
});
