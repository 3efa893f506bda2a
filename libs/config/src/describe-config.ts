import { isEnvVar, type EnvVar } from './env-var.js';
import { inNamespace, namespaceVariable, type NamespacedKind } from './in-namespace.js';
import { hasNamespacedVariable, type ConfigSchema } from './load-config.js';

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
  /** The kind of name whose default moves into `TRIBUTARY_NAMESPACE`; absent when the default is the same in every namespace. */
  readonly namespaced?: NamespacedKind;
}

function describeVariable(node: EnvVar<unknown, boolean>): EnvVarDoc {
  const mandatory = node.required && node.defaultValue === undefined;
  return {
    name: node.name,
    description: node.description,
    expected: node.expected,
    mandatory,
    ...(node.defaultValue === undefined ? {} : { default: node.defaultValue }),
    ...(node.namespaced === undefined ? {} : { namespaced: node.namespaced }),
  };
}

/**
 * Every variable of a schema, in schema order, each once even if several
 * groups share it; `TRIBUTARY_NAMESPACE` first when a default depends on it,
 * since loading reads it then. The same schema drives loading, so the docs
 * cannot drift.
 */
export function describeConfig(schema: ConfigSchema): EnvVarDoc[] {
  const docs = new Map<string, EnvVarDoc>();
  if (hasNamespacedVariable(schema)) docs.set(namespaceVariable.name, describeVariable(namespaceVariable));
  const visit = (group: ConfigSchema): void => {
    for (const node of Object.values(group)) {
      if (!isEnvVar(node)) {
        visit(node);
        continue;
      }
      if (!docs.has(node.name)) docs.set(node.name, describeVariable(node));
    }
  };
  visit(schema);
  return [...docs.values()];
}

/** The description, and for a namespaced default what it becomes in a namespace. */
function describedAs(doc: EnvVarDoc): string {
  if (doc.namespaced === undefined || doc.default === undefined) return doc.description;
  return `${doc.description} In namespace ns: ${inNamespace('ns', doc.namespaced, doc.default)}.`;
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
    .map((doc) => `  ${doc.name.padEnd(nameWidth)}  ${defaultText(doc).padEnd(defaultWidth)}  ${describedAs(doc)} Expected: ${doc.expected}.`)
    .join('\n');
}

const escapeCell = (text: string) => text.replaceAll('|', '\\|');

/** A Markdown table of a schema's variables for READMEs. */
export function formatConfigMarkdown(schema: ConfigSchema): string {
  const rows = describeConfig(schema).map(
    (doc) => `| \`${doc.name}\` | ${doc.default === undefined ? defaultText(doc) : `\`${escapeCell(doc.default)}\``} | ${escapeCell(describedAs(doc))} Expected: ${escapeCell(doc.expected)}. |`,
  );
  return ['| variable | default | description |', '|---|---|---|', ...rows].join('\n');
}
