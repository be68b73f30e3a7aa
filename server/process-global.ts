// One object per panel process. Next.js may bundle a module more than once (route handlers and
// pages), and each copy would get its own module-level state; state that must be shared (the live
// bus, the hosts' watches, what they keep) lives on globalThis under a registered symbol instead.

/** The process's one `name` object, made by `create` the first time any copy of a module asks. */
export function processGlobal<T extends object>(name: string, create: () => T): T {
  const key = Symbol.for(`switchboard.${name}`);
  const holder = globalThis as { [key: symbol]: T | undefined };
  return (holder[key] ??= create());
}
