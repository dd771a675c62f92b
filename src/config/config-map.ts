import { isObject, textOf } from '../util/data.js';
import { CONFIG_MAP_KEY_TABLE } from '../generated/domain-list.js';
import { error, type Result } from '../krm/results.js';
import { suggestion } from './did-you-mean.js';

const KEYS = CONFIG_MAP_KEY_TABLE;

/** The ConfigMap's data keys the function reads. */
export const CONFIG_MAP_KEYS = Object.keys(KEYS);

/** A ConfigMap turned into the DomainList it stands for, with a way to name its fields back. */
export interface ConvertedConfigMap {
  domainList: Record<string, unknown>;
  /** Maps a DomainList field path back to the ConfigMap key it came from. */
  pathOf: (specPath: string) => string;
  results: Result[];
  /** Named by kpt (`function-input`) or not at all: the name is not the list's. */
  generatedName: boolean;
}

/** The name kpt gives the ConfigMap it builds from `kpt fn eval … -- key=value`. */
export const KPT_FUNCTION_INPUT = 'function-input';

/**
 * Converts `kpt fn eval … -- domains=a,b upstreamPort=8443` (a ConfigMap with
 * string data) into a DomainList. Numbers and booleans are converted when they
 * read as such; anything else is left as text for the schema to refuse with
 * the value quoted.
 */
export function fromConfigMap(cm: Record<string, unknown>): ConvertedConfigMap {
  const data = (cm.data ?? {}) as Record<string, unknown>;
  const results: Result[] = [];
  const spec: Record<string, unknown> = {};
  const dataKeyOf = new Map<string, string>();
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    results.push(
      error('ConfigMap data must be a mapping of string keys to string values', {
        field: { path: 'data' },
      }),
    );
  } else {
    if (Object.keys(data).length === 0) {
      results.push(
        error(
          "no domains given: kpt fn eval without a config sends an empty ConfigMap. Add -- domains='*.example.com,api.example.com' to the command, or --fn-config domains.yaml (a DomainList)",
          { field: { path: 'data.domains' } },
        ),
      );
    } else if (!('domains' in data)) {
      results.push(
        error('ConfigMap has no data.domains: list the domains separated by commas or newlines', {
          field: { path: 'data.domains' },
        }),
      );
    }
    for (const [key, value] of Object.entries(data)) {
      const def = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
      if (!def) {
        results.push(
          error(
            `unknown ConfigMap key ${JSON.stringify(key)}${suggestion(key, CONFIG_MAP_KEYS)} (known keys: ${CONFIG_MAP_KEYS.join(', ')})`,
            {
              field: { path: `data.${key}` },
            },
          ),
        );
        continue;
      }
      const text = typeof value === 'string' ? value : textOf(value);
      dataKeyOf.set(def.spec.join('.'), key);
      setIn(spec, def.spec, convert(text, def.type));
    }
  }
  const pathOf = (specPath: string): string => {
    const rel = specPath.replace(/^spec\.?/, '');
    if (rel === 'domains' || rel.startsWith('domains[')) return `data.domains`;
    const key = dataKeyOf.get(rel);
    return key ? `data.${key}` : specPath;
  };
  const metadata = cm.metadata ?? { name: KPT_FUNCTION_INPUT };
  const name = isObject(cm.metadata) ? cm.metadata.name : undefined;
  return {
    domainList: { apiVersion: 'wildcard-egress.dev/v1alpha1', kind: 'DomainList', metadata, spec },
    pathOf,
    results,
    generatedName: name === undefined || name === KPT_FUNCTION_INPUT,
  };
}

function convert(text: string, type: 'list' | 'string' | 'integer' | 'boolean'): unknown {
  switch (type) {
    case 'list':
      return text
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'integer':
      return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
    case 'boolean':
      return text.trim() === 'true' ? true : text.trim() === 'false' ? false : text;
    case 'string':
      return text;
  }
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const seg of path.slice(0, -1)) {
    node[seg] ??= {};
    node = node[seg] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
