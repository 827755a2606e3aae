import { expect, test } from "bun:test";
import { events, SETTLEMENT_SUBJECT, subjects } from "./subjects.ts";

// The bus applies the deployment prefix; a name that carried it too would travel as `medusa.medusa.…`.
const NAME = /^(credits|scheduler|splitter|job)(\.[a-z]+)+$/;

test("every subject is `<service>.<entity>.<verb>`, lowercase, without the deployment prefix", () => {
  const names = [
    ...Object.values(subjects).map((d) => d.subject),
    ...Object.values(events).flatMap((d) => [d.pattern.replace(/\.\*$/, ".id"), (d.subject as (id: string) => string)("id")]),
    SETTLEMENT_SUBJECT,
  ];
  expect(names.filter((n) => !NAME.test(n))).toEqual([]);
  expect(new Set(Object.values(subjects).map((d) => d.subject)).size).toBe(Object.keys(subjects).length);
});
