import { parseAllDocuments, type Document } from 'yaml';
import { readFailure, type Io } from '../command/io.js';
import { locateYamlError, unresolvedAliases } from '../krm/yaml-errors.js';
import { MAX_ALIAS_COUNT, PARSE_OPTIONS } from '../krm/yaml-options.js';
import { isObject, type JsonObject } from '../util/data.js';
import { DOMAIN_LIST_API_VERSION, parseConfig, type ConfigOutcome } from './parse-config.js';

/** A config file read and parsed: the document taken as the config, and what parsing it gave. */
export interface ConfigFile {
  /** The DomainList or ConfigMap the file holds. */
  doc: JsonObject;
  /** Options and plan, or the error results that refuse the config. */
  outcome: ConfigOutcome;
}

/**
 * Why a config file gave no config. `unreadable`: the file could not be read
 * at all (missing, a directory): the run cannot start (exit 2 everywhere).
 * Otherwise the file was read and is not a config (exit 1 in the function,
 * 2 in the subcommands, whose 1 means a verdict).
 */
export interface ConfigFileProblem {
  message: string;
  unreadable: boolean;
}

/** Bytes no YAML stream may hold (YAML 1.2 `c-printable`), and U+FFFD, which reading non-UTF-8 bytes as UTF-8 leaves. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_TEXT = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffd]/;

const isDomainList = (d: JsonObject) =>
  d.kind === 'DomainList' && String(d.apiVersion).startsWith('wildcard-egress.dev/');
const isConfigMap = (d: JsonObject) => d.kind === 'ConfigMap' && d.apiVersion === 'v1';

/**
 * The one reader of `--config FILE`, for the function's stream mode, explain
 * and audit alike. The config is the file's DomainList; without one, its
 * ConfigMap; two of the chosen kind are an error; other documents (a Kptfile,
 * a Namespace) are ignored. Every problem names the file.
 */
export function readConfigFile(path: string, io: Io): ConfigFile | ConfigFileProblem {
  const entries = io.listDir(path);
  if (entries !== undefined) {
    const yaml = entries.filter((e) => !e.directory && /\.ya?ml$/i.test(e.name)).map((e) => e.name);
    return {
      unreadable: true,
      message: `${path} is a directory: give the config file itself${yaml.length > 0 ? ` (it holds ${yaml.slice(0, 5).join(', ')}${yaml.length > 5 ? ', …' : ''})` : ''}, e.g. --config ${path.replace(/\/+$/, '')}/domains.yaml`,
    };
  }
  let text: string;
  try {
    text = io.readFile(path);
  } catch (e) {
    return { unreadable: true, message: `cannot read ${path}: ${readFailure(e)}` };
  }
  const bad = NOT_TEXT.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0);
    const what =
      code === 0xfffd ? 'bytes that are not UTF-8' : `the control character 0x${hex(code)}`;
    return {
      unreadable: false,
      message: `${path} is not YAML: it holds ${what} (YAML is text); is it the config file?`,
    };
  }
  return chooseDocument(path, text);
}

function hex(code: number): string {
  return code.toString(16).padStart(2, '0');
}

function chooseDocument(path: string, text: string): ConfigFile | ConfigFileProblem {
  const docs = parseAllDocuments(text, PARSE_OPTIONS);
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  for (const d of list) {
    const problem = d.errors[0];
    if (problem) {
      const { at, message } = locateYamlError(text, problem);
      return { unreadable: false, message: `${path}: not valid YAML at ${at}: ${message}` };
    }
    const alias = unresolvedAliases(d, text)[0];
    if (alias) return { unreadable: false, message: `${path}: ${alias.at}: ${alias.message}` };
  }
  const values: JsonObject[] = [];
  for (const d of list) {
    let value: unknown;
    try {
      value = d.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      return {
        unreadable: false,
        message: `${path}: expands too many aliases: ${(e as Error).message}`,
      };
    }
    if (isObject(value)) values.push(value);
  }
  if (values.length === 0) {
    return {
      unreadable: false,
      message: `${path} holds no YAML mapping: expected a DomainList (apiVersion: ${DOMAIN_LIST_API_VERSION}) or a ConfigMap with data.domains`,
    };
  }
  for (const [test, kind] of [
    [isDomainList, 'DomainList'],
    [isConfigMap, 'ConfigMap'],
  ] as const) {
    const found = values.filter(test);
    if (found.length > 1)
      return {
        unreadable: false,
        message: `${path} holds ${found.length} ${kind}s (${found.map(nameOf).join(', ')}): keep one config per file`,
      };
    if (found.length === 1) return { doc: found[0], outcome: parseConfig(found[0]) };
  }
  // No config kind: parsing the first object says what it is and names the accepted forms.
  return { doc: values[0], outcome: parseConfig(values[0]) };
}

function nameOf(d: JsonObject): string {
  const name = isObject(d.metadata) ? d.metadata.name : undefined;
  return typeof name === 'string' ? name : '(no name)';
}
