/**
 * What `wildcard-egress explain` answers: whether one connection gets out,
 * and each layer it passed on the way, with the resource and field that
 * decided it.
 */

/**
 * The answer, first line of the text report:
 * - `allowed`: the connection leaves the mesh the way the stack means it to (through the egress
 *   gateway, or in the native modes through the sidecar's or the waypoint's own forwarder);
 * - `refused`: it is blackholed, refused by a policy, or closed;
 * - `bypass`: it gets out by a path that skips the stack (istiod's original-destination chain for a
 *   ServiceEntry without a route, a direct ServiceEntry beside a gateway stack);
 * - `passthrough`: it gets out through PassthroughCluster (or, in ambient mode, straight from the pod)
 *   because nothing in the mesh refuses unlisted hosts for that namespace;
 * - `unknown`: the path needs an object the manifests do not hold (the
 *   gateway's Service, a route's destination), so explain cannot tell.
 * Only `allowed` exits 0.
 */
export type Verdict = 'allowed' | 'refused' | 'bypass' | 'passthrough' | 'unknown';

/** How one step went: passed, or the verdict it ends the path with; `note` informs without deciding. */
export type Outcome = 'pass' | 'note' | Exclude<Verdict, 'allowed'>;

/** One place of the stack a connection passes, and what it found there. */
export interface Step {
  /** The layer: `host`, `sidecar`, `service`, `route`, `gateway`, `authorization`, `forwarder`, `listener`, … */
  layer: string;
  outcome: Outcome;
  /** `Kind namespace/name` of the deciding resource (or `DomainList name` in --config mode). */
  resource?: string;
  /** Field path inside it. */
  field?: string;
  /** The value at that field that decided. */
  value?: string;
  /** What happened there, in words. */
  detail: string;
}

/** The entry that decided: a field of a resource and its value. */
export interface Rule {
  resource: string;
  field: string;
  value: string;
}

/** A listed name that nearly admitted the host, and why it did not. */
export interface NearEntry extends Rule {
  why: string;
}

/** The whole answer for one connection. */
export interface Explanation {
  verdict: Verdict;
  host: string;
  port: number;
  /** The namespace asked about; undefined: any namespace without a Sidecar and in no team. */
  from?: string;
  /** The stack's mode, as configured or as read from the manifests. */
  mode: StackMode;
  steps: Step[];
  /** The listed entry that admitted the host (allowed), if any. */
  rule?: Rule;
  /** For a refusal: the nearest entry that almost matched. */
  nearest?: NearEntry;
}

/** Which forwarder the stack uses (issue "One list, whichever forwarder the mesh has"). */
export type StackMode = 'egress-gateway' | 'sidecar' | 'waypoint';

/** What the deciders know about the question. */
export interface Question {
  host: string;
  port: number;
  from?: string;
  /** Assume meshConfig.outboundTrafficPolicy.mode REGISTRY_ONLY for namespaces without a Sidecar. */
  registryOnly: boolean;
}

/** Printed for the namespace when none was given. */
export const ANY_OTHER_NAMESPACE = '(any other namespace)';

/** The namespace the simulation runs as: the one asked about, or a name no resource can mention. */
export function namespaceOf(q: Question): string {
  return q.from ?? ANY_OTHER_NAMESPACE;
}

/** A growing path: steps in order, ended by the first that does not pass. */
export class Path {
  readonly steps: Step[] = [];
  rule?: Rule;
  nearest?: NearEntry;

  constructor(readonly mode: StackMode) {}

  pass(step: Omit<Step, 'outcome'>): void {
    this.steps.push({ outcome: 'pass', ...step });
  }

  note(step: Omit<Step, 'outcome'>): void {
    this.steps.push({ outcome: 'note', ...step });
  }

  /** Ends the path with a verdict other than allowed; returns the verdict for `return path.end(…)`. */
  end(
    outcome: Exclude<Verdict, 'allowed'>,
    step: Omit<Step, 'outcome'>,
    nearest?: NearEntry,
  ): Exclude<Verdict, 'allowed'> {
    this.steps.push({ outcome, ...step });
    if (nearest) this.nearest = nearest;
    return outcome;
  }

  explanation(verdict: Verdict, q: Question): Explanation {
    return {
      verdict,
      host: q.host,
      port: q.port,
      ...(q.from !== undefined ? { from: q.from } : {}),
      mode: this.mode,
      steps: this.steps,
      ...(verdict === 'allowed' && this.rule ? { rule: this.rule } : {}),
      ...(verdict !== 'allowed' && this.nearest ? { nearest: this.nearest } : {}),
    };
  }
}
