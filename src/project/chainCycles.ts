/**
 * The cycles among jobs' `trigger.after` lists: a job that waits, directly or through others, for
 * itself never starts. Pure: the graph in, the cycle through each job caught in one out.
 */

/** Job id → the ids it runs after (ids that are not keys are jobs without a trigger: dead ends). */
export type ChainEdges = ReadonlyMap<string, readonly string[]>;

/**
 * For each job on a cycle of two or more jobs, one shortest cycle through it, starting and ending
 * with it (`[a, b, c, a]`). A job after itself is left to its own, plainer message.
 */
export function chainCycles(edges: ChainEdges): Map<string, string[]> {
  const cycles = new Map<string, string[]>();
  for (const component of stronglyConnected(edges)) {
    if (component.size < 2) continue;
    for (const start of component) {
      const path = shortestWayBack(start, edges, component);
      if (path) cycles.set(start, path);
    }
  }
  return cycles;
}

/** Breadth first from `start` inside `component`, back to `start`, following `after` in the file's order. */
function shortestWayBack(start: string, edges: ChainEdges, component: ReadonlySet<string>): string[] | undefined {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of edges.get(node) ?? []) {
      if (!component.has(next) || next === node) continue;
      if (next === start) {
        const path = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined; at = cameFrom.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

/** Tarjan's strongly connected components, iteratively (a project may chain hundreds of jobs in a row). */
function stronglyConnected(edges: ChainEdges): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: Set<string>[] = [];
  let counter = 0;
  for (const root of edges.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = edges.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = new Set<string>();
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.add(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
