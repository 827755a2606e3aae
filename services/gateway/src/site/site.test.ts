import { describe, expect, test } from "bun:test";
import { testGateway } from "../../test/test-gateway.ts";
import { siteRoutes, SITE_PATHS } from "./site.ts";

describe("site routes", () => {
  const site = siteRoutes();

  test("every site path returns the shell, with a CSP that allows only the site's own scripts", async () => {
    for (const path of ["/", "/login", "/signup", "/jobs", "/jobs/new", "/jobs/job_abc123", "/sessions", "/sessions/ses_abc-123", "/files", "/nodes", "/ledger"]) {
      const res = await site.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
      expect(html).toContain('<main id="main"');
    }
    expect(SITE_PATHS).toContain("/jobs/:id");
    expect(SITE_PATHS).toContain("/sessions/:id");
  });

  test("assets are served with their type and an ETag; a matching If-None-Match gets 304", async () => {
    const js = await site.request("/assets/app.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const etag = js.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect((await site.request("/assets/app.js", { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await site.request("/assets/pages/job.js")).status).toBe(200);
    expect((await site.request("/assets/style.css")).headers.get("content-type")).toContain("text/css");
  });

  test("nothing outside assets/ is served, nor the client's own tests", async () => {
    expect((await site.request("/assets/nope.js")).status).toBe(404);
    expect((await site.request("/assets/../site.ts")).status).toBe(404);
    expect((await site.request("/assets/%2e%2e/site.ts")).status).toBe(404);
    expect((await site.request("/assets/pages/job-cost.test.js")).status).toBe(404);
  });

  test("mounted in the gateway, the API keeps its JSON 404s and the site does not shadow it", async () => {
    const gateway = testGateway();
    const res = await gateway.app.request("/v1/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await gateway.app.request("/no-such-page")).status).toBe(404);
    expect((await gateway.app.request("/jobs")).headers.get("content-type")).toContain("text/html");
    await gateway.close();
  });
});
