import type { Options } from '../config/options.js';
import {
  celList,
  celMapOf,
  celString,
  keyIn,
  rule,
  type GuardRule,
  type GuardVariable,
} from './guard-cel.js';

/**
 * What the pod rules judge, read from the pod as Istio's injector leaves it
 * (validating admission sees a pod after every mutating webhook). Sources:
 * istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml,
 * pkg/kube/inject/webhook.go, cni/pkg/plugin, tools/istio-iptables.
 */

const PROXY = 'istio-proxy';
/** The injector's capture init containers: iptables in the pod, or Istio CNI's check that its rules are in place. */
const CAPTURE = ['istio-init', 'istio-validation'];
const ISTIO_CONTAINERS = [PROXY, ...CAPTURE];

/** Values strconv.ParseBool reads as true or false (how istio-iptables and Istio CNI read their switches). */
const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

/** sidecar.istio.io/* and traffic.sidecar.istio.io/* annotations that change nothing about outbound capture. */
const ANY_VALUE = [
  ...[
    'status',
    'rewriteAppHTTPProbers',
    'proxyCPU',
    'proxyCPULimit',
    'proxyMemory',
    'proxyMemoryLimit',
    'statsInclusionPrefixes',
    'statsInclusionSuffixes',
    'statsInclusionRegexps',
    'statsHistogramBuckets',
    'statsHistogramBins',
    'statsFlushInterval',
    'statsEvictionInterval',
    'statsCompression',
    'extraStatTags',
    'logLevel',
    'componentLogLevel',
    'agentLogLevel',
    'nativeSidecar',
  ].map((k) => `sidecar.istio.io/${k}`),
  // Inbound capture, and more outbound ports captured (never fewer).
  ...['includeInboundPorts', 'excludeInboundPorts', 'includeOutboundPorts'].map(
    (k) => `traffic.sidecar.istio.io/${k}`,
  ),
];

/**
 * Capture annotations admitted with certain values only: with Istio CNI the
 * injector writes the mesh-wide values into every pod, so those (and Istio's
 * defaults) pass; any other value is the pod's own way around its proxy.
 */
function constrainedAnnotations(o: Options): Record<string, string[]> {
  const mesh = o.production.meshCapture;
  const only = (v: string) => (v === '' ? [] : [v]);
  const out: Record<string, string[]> = {
    'sidecar.istio.io/inject': ['true'],
    'sidecar.istio.io/interceptionMode': ['REDIRECT', 'TPROXY'],
    'traffic.sidecar.istio.io/includeOutboundIPRanges': [
      ...new Set(['*', ...only(mesh.includeOutboundIPRanges)]),
    ],
    'traffic.sidecar.istio.io/excludeOutboundIPRanges': only(mesh.excludeOutboundIPRanges),
    'traffic.sidecar.istio.io/excludeOutboundPorts': only(mesh.excludeOutboundPorts),
  };
  // A key with no admitted value is left out: it is refused like any other unknown key.
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v.length > 0));
}

/** The pod's parts the rules read, named once (`spec.variables` of the pods policy). */
export function podVariables(o: Options): GuardVariable[] {
  const first = 'variables.proxies[0]';
  const proxyId = (field: string) =>
    `size(variables.proxies) == 1 && has(${first}.securityContext) && has(${first}.securityContext.${field}) && ${first}.securityContext.${field} != 0 ? ${first}.securityContext.${field} : 1337`;
  return [
    {
      name: 'annotations',
      expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}',
    },
    {
      name: 'inits',
      expression: 'has(object.spec.initContainers) ? object.spec.initContainers : []',
    },
    {
      name: 'ephemerals',
      expression: 'has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : []',
    },
    // The sidecar: a container, or with native sidecars an init container that keeps running.
    {
      name: 'proxies',
      expression: `object.spec.containers.filter(c, c.name == '${PROXY}') + variables.inits.filter(c, c.name == '${PROXY}' && has(c.restartPolicy) && c.restartPolicy == 'Always')`,
    },
    {
      name: 'proxyEnv',
      expression: `size(variables.proxies) == 1 && has(${first}.env) ? ${first}.env : []`,
    },
    // istio-iptables and Istio CNI leave alone the traffic of the proxy's user and group (1337 unless set otherwise).
    {
      name: 'proxyIds',
      expression: `[1337, ${proxyId('runAsUser')}, ${proxyId('runAsGroup')}]`,
    },
    { name: 'captureValues', expression: celMapOf(constrainedAnnotations(o), celList) },
  ];
}

/** Whether container (or pod security context) `c` runs as one of the proxy's ids. */
const runsAsProxy = (sc: string) =>
  `(has(${sc}) && ((has(${sc}.runAsUser) && ${sc}.runAsUser in variables.proxyIds) || (has(${sc}.runAsGroup) && ${sc}.runAsGroup in variables.proxyIds)))`;

/** Whether container `c` may rewrite the pod's packet filter (privileged, or NET_ADMIN, SYS_ADMIN, ALL). */
const mayRewriteCapture = (c: string) =>
  `(has(${c}.securityContext) && ((has(${c}.securityContext.privileged) && ${c}.securityContext.privileged) || (has(${c}.securityContext.capabilities) && has(${c}.securityContext.capabilities.add) && ${c}.securityContext.capabilities.add.exists(x, x.matches('(?i)^(CAP_)?(NET_ADMIN|SYS_ADMIN|ALL)$')))))`;

/** Every container, init container and ephemeral container but Istio's own passes `test(c)`. */
const everyOtherContainer = (test: (c: string) => string) =>
  `object.spec.containers.all(c, c.name == '${PROXY}' || ${test('c')}) && variables.inits.all(c, c.name in ${celList(ISTIO_CONTAINERS)} || ${test('c')}) && variables.ephemerals.all(c, ${test('c')})`;

/**
 * Rules for the pods of the application namespaces with sidecars
 * (egress-gateway and sidecar modes): a pod carries the injector's sidecar,
 * its traffic is captured, and nothing in its spec steps around the capture.
 */
export function sidecarPodValidations(o: Options): GuardRule[] {
  const inject = 'sidecar.istio.io/inject';
  const allowed = constrainedAnnotations(o);
  const checked = `(k.startsWith('sidecar.istio.io/') || k.startsWith('traffic.sidecar.istio.io/') || k == 'istio.io/reroute-virtual-interfaces')`;
  const envAll = (name: string, values: readonly string[]) =>
    `variables.proxyEnv.all(e, e.name != '${name}' || (has(e.value) && e.value in ${celList(values)}))`;
  const envSet = (name: string, values: readonly string[]) =>
    `variables.proxyEnv.exists(e, e.name == '${name}') && ${envAll(name, values)}`;
  const rules = [
    rule(
      `!(has(object.metadata.labels) && '${inject}' in object.metadata.labels && object.metadata.labels['${inject}'] != 'true') && !('${inject}' in variables.annotations && variables.annotations['${inject}'] != 'true')`,
      `a pod here may not turn its sidecar off: ${inject} may only be "true" (before Istio 1.27 any value but y, yes, true or on turns injection off)`,
    ),
    rule(
      `'sidecar.istio.io/status' in variables.annotations && size(variables.proxies) == 1 && variables.proxies.all(p, has(p.args) && size(p.args) >= 2 && p.args[0] == 'proxy' && p.args[1] == 'sidecar')`,
      "a pod here must carry Istio's injected sidecar: an istio-proxy container running `proxy sidecar` and the injector's sidecar.istio.io/status annotation",
    ),
    rule(
      `!('inject.istio.io/templates' in variables.annotations) || variables.annotations['inject.istio.io/templates'] == 'sidecar'`,
      'a pod here may not choose another injection template (inject.istio.io/templates): only "sidecar" captures its traffic',
    ),
    rule(
      `size(variables.inits.filter(c, c.name in ${celList(CAPTURE)})) == 1`,
      "a pod here must have its traffic captured: exactly one of the injector's istio-init (iptables in the pod) or istio-validation (Istio CNI) init containers; interception mode NONE has neither, and Istio CNI skips a pod that has an istio-init",
    ),
    rule(
      `!('proxy.istio.io/overrides' in variables.annotations)`,
      "a pod here may not bring its own istio-proxy, istio-init or istio-validation container: the injector keeps the pod's own (proxy.istio.io/overrides)",
    ),
    rule(
      `variables.annotations.all(k, !${checked} || k in ${celList(ANY_VALUE)} || (k in variables.captureValues && variables.annotations[k] in variables.captureValues[k]))`,
      `a pod here may set only sidecar.istio.io/* and traffic.sidecar.istio.io/* annotations that leave outbound capture as the mesh has it: resources, stats, log levels, probes, nativeSidecar and inbound or added outbound ports freely; ${Object.entries(
        allowed,
      )
        .map(([k, v]) => `${k} only ${v.map((x) => JSON.stringify(x)).join(' or ')}`)
        .join(
          '; ',
        )} (the mesh's own capture values: production.meshCapture); nothing else (no image, bootstrap or control plane of its own, no excluded interfaces, ranges or ports)`,
    ),
    rule(
      `!('proxy.istio.io/config' in variables.annotations) || !variables.annotations['proxy.istio.io/config'].matches(${celString('(?i)proxy_?metadata|interception_?mode|\\\\')})`,
      "a pod's proxy.istio.io/config here may not set proxyMetadata or interceptionMode (nor use escapes): proxyMetadata becomes istio-init's environment, where istio-iptables reads its capture settings",
    ),
    rule(
      `${envSet('ISTIO_META_INTERCEPTION_MODE', ['REDIRECT', 'TPROXY'])} && ${envAll('DISABLE_ENVOY', FALSE)}`,
      'the sidecar of a pod here must capture (ISTIO_META_INTERCEPTION_MODE REDIRECT or TPROXY) and run Envoy (DISABLE_ENVOY unset or false: Istio CNI skips such a pod)',
    ),
    rule(
      `!${runsAsProxy('object.spec.securityContext')} && ${everyOtherContainer((c) => `!${runsAsProxy(`${c}.securityContext`)}`)}`,
      "a container here may not run as the sidecar's user or group (1337 unless the proxy sets others): istio-iptables returns their traffic uncaptured (--uid-owner, --gid-owner)",
    ),
    rule(
      everyOtherContainer((c) => `!${mayRewriteCapture(c)}`),
      "a container here may not be privileged or add NET_ADMIN, SYS_ADMIN or ALL: it could remove the pod's capture rules",
    ),
  ];
  if (o.mode === 'sidecar') {
    rules.push(
      rule(
        `variables.inits.all(c, c.name in ${celList(ISTIO_CONTAINERS)}) || variables.inits.exists(c, c.name == 'istio-validation') || (size(variables.inits) >= 2 && variables.inits[0].name == 'istio-init' && variables.inits[1].name == '${PROXY}')`,
        'an init container here would run before its traffic is captured (without native sidecars the injector puts istio-init last): use native sidecars or Istio CNI, or no init container',
      ),
    );
    if (o.production.dualStackCapture)
      rules.push(
        rule(
          envSet('ISTIO_DUAL_STACK', TRUE),
          'the sidecar of a pod here must capture IPv6 (ISTIO_DUAL_STACK=true): the NetworkPolicy opens public IPv6 addresses (production.dualStackCapture)',
        ),
      );
  }
  return rules;
}

/** Rules for the pods of the application namespaces in waypoint (ambient) mode. */
export function ambientPodValidations(): GuardRule[] {
  const mode = 'istio.io/dataplane-mode';
  return [
    rule(
      `!(${keyIn('object', 'metadata.labels', mode, ['none'])} || ${keyIn('object', 'metadata.annotations', mode, ['none'])})`,
      'a pod here may not leave the ambient mesh (istio.io/dataplane-mode: none)',
    ),
  ];
}

/** The host network: no proxy, no capture, no NetworkPolicy. */
export const hostNetworkRule = rule(
  `!has(object.spec.hostNetwork) || !object.spec.hostNetwork`,
  'a pod here may not use the host network: it would leave without its proxy or its NetworkPolicy',
);
