import { Type, type Static } from "@sinclair/typebox";
import { EXPECTED, StringMap } from "../../schema/common.js";
import { defineStepType } from "../stepType.js";
import { lazyRun } from "../loadOnce.js";

export const httpFields = Type.Object(
  {
    url: Type.String({ minLength: 1, description: "http:// or https:// URL." }),
    method: Type.Optional(
      Type.Union(
        ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].map((method) => Type.Literal(method)),
        { default: "GET" },
      ),
    ),
    headers: Type.Optional(StringMap({ description: "Request headers." })),
    body: Type.Optional(
      Type.Union([Type.String(), Type.Object({}), Type.Array(Type.Unknown())], {
        description: "An object or list is sent as JSON; a string as it is.",
        [EXPECTED]: "a string, an object or a list",
      }),
    ),
    expect_status: Type.Optional(
      Type.Union(
        [
          Type.Integer({ minimum: 100, maximum: 599 }),
          Type.String({ pattern: "^[1-5]xx$" }),
          Type.Array(Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: "^[1-5]xx$" })]), {
            minItems: 1,
          }),
        ],
        { description: "Accepted status codes; default 2xx.", [EXPECTED]: "a status code such as 200, a class such as 2xx, or a list of them" },
      ),
    ),
  },
  { additionalProperties: false },
);

export type HttpStepFields = Static<typeof httpFields>;

export const httpStep = defineStepType({
  name: "http",
  description: "Sends one HTTP request; a status other than expect_status fails the step (429 and 5xx are retryable).",
  fields: httpFields,
  check(fields) {
    if (!fields.url.includes("${") && !/^https?:\/\//i.test(fields.url)) {
      return [{ path: ["url"], message: `url must start with http:// or https://, got ${JSON.stringify(fields.url)}` }];
    }
    return [];
  },
  // The engine loads only when a step of this type runs, so `validate` stays quick to start.
  run: lazyRun(async () => (await import("./runHttpStep.js")).runHttpStep),
});
