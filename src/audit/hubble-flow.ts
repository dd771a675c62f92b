import { isObject, type JsonObject, textOf } from '../util/data.js';
import type { LogLine } from './log-line.js';

/**
 * Hubble's flow records as `hubble observe -o json` prints them: one
 * GetFlowsResponse per line, `{"flow": {...}, "node_name", "time"}`, in
 * proto3's JSON mapping with the proto field names (cilium/cilium
 * hubble/pkg/printer/printer.go `JSONPBOutput`, api/v1/observer/observer.pb.json.go
 * `UseProtoNames: true`); `-o jsonpb` is the same, and the legacy printer
 * (`--output json` with the legacy option) writes the bare flow. Field names and enums are
 * those of api/v1/flow/flow.proto.
 *
 * Three kinds of flow say something about the list:
 * - a TCP connection start (SYN without ACK) from a pod to an address
 *   outside the cluster, FORWARDED: Cilium let it out; `destination_names`
 *   holds the names Cilium's DNS proxy saw resolve to that address;
 * - the same, DROPPED: Cilium refused it (by name when it knows one);
 * - a DNS request its DNS proxy DROPPED (`l7.dns.query`): the pod asked for
 *   a name no DNS rule admits. The query carries no port.
 * Every other flow (replies, in-cluster traffic, allowed DNS) is ignored.
 */

/** Identities Cilium gives addresses outside the cluster (reserved:world and its per-family forms, CIDR and FQDN identities). */
const OUTSIDE_LABEL = /^(reserved:world(-ipv[46])?|cidr:|fqdn:)/;

/** Whether a line is a Hubble flow (a GetFlowsResponse, or the bare flow of the legacy printer). */
export function hubbleFlowOf(record: JsonObject): JsonObject | undefined {
  if (isObject(record.flow)) return record.flow;
  if ('verdict' in record && ('IP' in record || 'l7' in record || 'l4' in record)) return record;
  return undefined;
}

const nameOf = (s: string) => s.toLowerCase().replace(/\.$/, '');

/** Reads one Hubble flow into the audit's view of a connection, or `other` when it says nothing about the list. */
export function readHubbleFlow(flow: JsonObject): LogLine {
  const verdict = textOf(flow.verdict);
  const source = isObject(flow.source) ? flow.source : {};
  const namespace = textOf(source.namespace) || undefined;
  const ns = namespace ? { namespace } : {};
  const l7 = isObject(flow.l7) ? flow.l7 : undefined;
  if (l7 && isObject(l7.dns)) {
    const query = textOf(l7.dns.query);
    if (verdict === 'DROPPED' && textOf(l7.type) === 'REQUEST' && query)
      return { kind: 'cni-dns-refused', sni: nameOf(query), responseFlags: [], ...ns };
    return { kind: 'other', responseFlags: [] };
  }
  const ip = isObject(flow.IP) ? flow.IP : {};
  const tcp = isObject(flow.l4) && isObject(flow.l4.TCP) ? flow.l4.TCP : undefined;
  const flags = tcp && isObject(tcp.flags) ? tcp.flags : {};
  const destination = isObject(flow.destination) ? flow.destination : {};
  const outside = (Array.isArray(destination.labels) ? destination.labels : []).some((l) =>
    OUTSIDE_LABEL.test(textOf(l)),
  );
  const egress = textOf(flow.traffic_direction) !== 'INGRESS' && flow.is_reply !== true;
  const start = flags.SYN === true && flags.ACK !== true;
  if (!tcp || !outside || !egress || !start || (verdict !== 'FORWARDED' && verdict !== 'DROPPED'))
    return { kind: 'other', responseFlags: [] };
  const names = Array.isArray(flow.destination_names)
    ? flow.destination_names.map((n) => textOf(n))
    : [];
  const address = textOf(ip.destination) || undefined;
  const port = Number(tcp.destination_port);
  return {
    kind: verdict === 'FORWARDED' ? 'cni-forwarded' : 'cni-refused',
    ...(names[0] ? { sni: nameOf(names[0]) } : {}),
    ...(address ? { address } : {}),
    ...(Number.isInteger(port) && port > 0 ? { port } : {}),
    responseFlags: [],
    ...ns,
  };
}
