import { isEnvVar } from './env-var.js';
import type { ConfigSchema } from './load-config.js';

/** What a reader needs to know about one variable. */
export interface EnvVarDoc {
  readonly name: string;
  readonly description: string;
  /** The accepted form in words. */
  readonly expected: string;
  /** The default text; absent when there is none. */
  readonly default?: string;
  /** Whether the service refuses to start without it (set, no default). */
  readonly mandatory: boolean;
}

/**
 * Every variable of a schema, in schema order, each once even if several
 * groups share it. The same schema drives loading, so the docs cannot drift.
 */
export function describeConfig(schema: ConfigSchema): EnvVarDoc[] {
  const docs = new Map<string, EnvVarDoc>();
  const visit = (group: ConfigSchema): void => {
    for (const node of Object.values(group)) {
      if (!isEnvVar(node)) {
        visit(node);
        continue;
      }
      if (docs.has(node.name)) continue;
      const mandatory = node.required && node.defaultValue === undefined;
      const base = { name: node.name, description: node.description, expected: node.expected, mandatory };
      docs.set(node.name, node.defaultValue === undefined ? base : { ...base, default: node.defaultValue });
    }
  };
  visit(schema);
  return [...docs.values()];
}

function defaultText(doc: EnvVarDoc): string {
  if (doc.default !== undefined) return doc.default;
  return doc.mandatory ? '(required)' : '(unset)';
}

/** A plain-text table of a schema's variables for `--help`. */
export function formatConfigHelp(schema: ConfigSchema): string {
  const docs = describeConfig(schema);
  const nameWidth = Math.max(0, ...docs.map((doc) => doc.name.length));
  const defaultWidth = Math.max(0, ...docs.map((doc) => defaultText(doc).length));
  return docs
    .map((doc) => `  ${doc.name.padEnd(nameWidth)}  ${defaultText(doc).padEnd(defaultWidth)}  ${doc.description} Expected: ${doc.expected}.`)
    .join('\n');
}

const escapeCell = (text: string) => text.replaceAll('|', '\\|');

/** A Markdown table of a schema's variables for READMEs. */
export function formatConfigMarkdown(schema: ConfigSchema): string {
  const rows = describeConfig(schema).map(
    (doc) => `| \`${doc.name}\` | ${doc.default === undefined ? defaultText(doc) : `\`${escapeCell(doc.default)}\``} | ${escapeCell(doc.description)} Expected: ${escapeCell(doc.expected)}. |`,
  );
  return ['| variable | default | description |', '|---|---|---|', ...rows].join('\n');
}
