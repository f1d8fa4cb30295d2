/** An address the console does not know. */
import type { PageContext } from "../pageContext.js";
import { fill, h } from "../dom.js";
import { jobsHref } from "../routes.js";
import { pageHeading } from "../widgets.js";

export function notFoundPage(context: PageContext, hash: string): void {
  context.setTitle("Not found");
  fill(
    context.main,
    pageHeading("No such page"),
    h("p", null, "The console has no page at ", h("code", null, hash), ". ", h("a", { href: jobsHref() }, "Back to the jobs"), "."),
  );
  context.ready();
}
