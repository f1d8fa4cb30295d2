/**
 * Building the page's elements. Every value shown comes from job files, run logs and the network,
 * and is treated as hostile: text goes in as text nodes, attributes through `setAttribute`, never
 * through HTML. No `style` attribute either (the Content-Security-Policy forbids inline styles):
 * sizes are set on `element.style` by the caller, colours by class names in console.css.
 */

export type Child = Node | string | number | null | undefined | false;
export type Attributes = Record<string, string | number | boolean | null | undefined>;

const SVG_NS = "http://www.w3.org/2000/svg";

function setAttributes(element: Element, attributes: Attributes | null): void {
  if (!attributes) return;
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "style" || name.startsWith("on")) throw new Error(`the page sets no ${name} attribute: use classes and listeners`);
    element.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
}

function appendChildren(parent: Node, children: readonly (Child | readonly Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

/** An HTML element with attributes (`class`, `data-*`, `href`…) and children (text or nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes | null = null,
  ...children: (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/** An SVG element, its geometry and colours as presentation attributes. */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes | null = null,
  ...children: (Child | readonly Child[])[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: (Child | readonly Child[])[]): void {
  parent.replaceChildren();
  appendChildren(parent, children);
}

/** Adds a listener and gives the element back, for building in one expression. */
export function on<E extends EventTarget, K extends keyof HTMLElementEventMap>(element: E, type: K, listener: (event: HTMLElementEventMap[K]) => void): E {
  element.addEventListener(type, listener as EventListener);
  return element;
}
