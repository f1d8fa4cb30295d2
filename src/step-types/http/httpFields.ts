/** The fields of an http step: the schema `validate` checks and whose defaults the run reads. */
import { Type, type Static } from "@sinclair/typebox";
import { EXPECTED, StringMap } from "../../schema/common.js";

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
