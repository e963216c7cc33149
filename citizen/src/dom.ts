/** Building elements; every text from the server goes in as text, never as HTML. */

export type Child = Node | string | null | undefined | false;

type Attribute = string | boolean | EventListener | undefined;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, Attribute> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

export function tag(text: string, tone: 'good' | 'bad' | 'warn' | 'neutral' | 'info' = 'neutral', testId?: string): HTMLElement {
  return h('span', { class: `tag ${tone}`, 'data-testid': testId }, text);
}
