import { covers } from '../domains/host-match.js';
import type { NearEntry, Rule, Verdict } from './types.js';

/** A listed name as a refusal sees it: where it is, on which upstream port, and for whom. */
export interface ListedName extends Rule {
  /** The name (exact or `*.` wildcard), lower-case. */
  name: string;
  /** Upstream ports it is served on; undefined when the layer does not say. */
  ports?: number[];
  /** Whether the asking namespace may use it. */
  forNamespace: boolean;
  /** Who may use it, for the message: `team payments (namespaces payments)`. */
  scope: string;
}

const labels = (n: string) => n.split('.');

/** Why a listed name that admits the host did not decide, by the verdict the path ended with. */
const UNREACHED: Record<Exclude<Verdict, 'allowed'>, string> = {
  refused: 'the path to it is refused at the step above',
  bypass: 'this connection never reaches it: it leaves by the path above, around the stack',
  passthrough: 'this connection never reaches it: it leaves through PassthroughCluster first',
  unknown: 'explain cannot follow the path to it (see the step above)',
};

/** How many trailing labels two names share. */
function sharedSuffix(a: string, b: string): number {
  const x = labels(a).reverse();
  const y = labels(b).reverse();
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i] && x[i] !== '*') i++;
  return i;
}

/**
 * The listed name that came nearest to admitting `host` on `port` for the
 * namespace, and why it did not, most telling first: it matches but on
 * another port; it matches but belongs to others; it matches (the path ends,
 * by the verdict, before it is reached); it is the wildcard whose
 * apex the host is; it is an exact parent of the host (the closest); it is a wildcard under
 * the host; else the name sharing most trailing labels (two at least).
 */
export function nearestEntry(
  host: string,
  port: number,
  names: readonly ListedName[],
  verdict: Exclude<Verdict, 'allowed'>,
): NearEntry | undefined {
  const pick = (n: ListedName, why: string): NearEntry => ({
    resource: n.resource,
    field: n.field,
    value: n.value,
    why,
  });
  const matching = names.filter((n) => covers(n.name, host));
  const otherPort = matching.find((n) => n.ports && !n.ports.includes(port));
  if (otherPort)
    return pick(
      otherPort,
      `${otherPort.name} matches ${host} but is served on port ${otherPort.ports!.join(', ')}, not ${port}`,
    );
  const others = matching.find((n) => !n.forNamespace);
  if (others) return pick(others, `${others.name} matches ${host} but is for ${others.scope}`);
  const usable = matching.find((n) => n.forNamespace);
  if (usable) return pick(usable, `${usable.name} admits ${host}, but ${UNREACHED[verdict]}`);
  const apex = names.find((n) => n.name === `*.${host}`);
  if (apex)
    return pick(
      apex,
      `${apex.name} matches names under ${host}, never the apex ${host} itself: list ${host} as well`,
    );
  const parent = names
    .filter((n) => !n.name.startsWith('*.') && host.endsWith(`.${n.name}`))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (parent)
    return pick(
      parent,
      `${parent.name} is an exact name: it does not admit ${host} under it (a wildcard *.${parent.name} would)`,
    );
  const deeper = names.find((n) => n.name.startsWith('*.') && n.name.endsWith(`.${host}`));
  if (deeper)
    return pick(deeper, `${deeper.name} matches only names under ${deeper.name.slice(2)}`);
  let best: ListedName | undefined;
  let bestShared = 1;
  for (const n of names) {
    const s = sharedSuffix(n.name, host);
    if (s > bestShared) [best, bestShared] = [n, s];
  }
  if (best)
    return pick(
      best,
      `${best.name} shares only ${labels(host).slice(-bestShared).join('.')} with ${host}`,
    );
  return undefined;
}
