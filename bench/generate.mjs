// Inputs for the benchmark: N Deployments with comments, flow maps and odd
// scalars, plus the post's stack, as a kpt-style ResourceList; and a DomainList.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function deployment(i) {
  return `- # Deployment ${i} of the benchmark
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: app-${i}
    namespace: team-${i % 50}
    labels: {app: app-${i}, tier: "web", zip: 0800}
    annotations:
      config.kubernetes.io/path: 'apps/app-${i}.yaml'
      config.kubernetes.io/index: '0'
      ratio: .5
      enabled: yes
      big: 12345678901234567890
  spec:
    replicas: 3 # scaled by HPA
    selector:
      matchLabels:
        app: app-${i}
    template:
      metadata:
        labels: {app: app-${i}}
      spec:
        containers:
        - name: web
          image: 'registry.example.com/app-${i}:1.${i}'
          args: [--port, "8080", --verbose]
          ports:
          - {containerPort: 8080, name: http}
          env:
          - name: GREETING
            value: |
              hello
                world ${i}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
`;
}

/** The post's stack as items, in the layout kpt writes. */
export function postItems() {
  const docs = readFileSync(`${root}testdata/fixtures/post-stack.yaml`, 'utf8').split(/^---$/m);
  return docs
    .map((d) => d.replace(/^\n/, '').replace(/\n$/, ''))
    .map(
      (d) =>
        d
          .split('\n')
          .map((l, i) => (i === 0 ? `- ${l}` : l === '' ? l : `  ${l}`))
          .join('\n') + '\n',
    )
    .join('');
}

export function domains(n) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(i % 3 === 0 ? `*.site-${i}.example.com` : `api-${i}.service-${i % 97}.example.org`);
  return out;
}

export function domainListYaml(list, indent = '') {
  return (
    [
      'apiVersion: wildcard-egress.dev/v1alpha1',
      'kind: DomainList',
      'metadata:',
      '  name: egress',
      'spec:',
      '  domains:',
      ...list.map((d) => `  - "${d}"`),
    ]
      .map((l) => indent + l)
      .join('\n') + '\n'
  );
}

/** A ResourceList of `count` Deployments (plus the post's stack unless `withStack` is false), with `domainCount` names. */
export function resourceList(count, domainCount, withStack = true) {
  let items = '';
  for (let i = 0; i < count; i++) items += deployment(i);
  if (withStack) items += postItems();
  const itemsBlock = items === '' ? 'items: []\n' : `items:\n${items}`;
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${itemsBlock}functionConfig:\n${domainListYaml(domains(domainCount), '  ')}`;
}

/** The same Deployments as plain manifests, for a kustomize base. */
export function manifests(count) {
  let out = '';
  for (let i = 0; i < count; i++) {
    out +=
      '---\n' +
      deployment(i)
        .split('\n')
        .map((l, j) => (j === 0 ? l.slice(2) : l.slice(2)))
        .join('\n');
  }
  return out;
}

/** `n` distinct names, 40% wildcards, about 17 characters on average (the same as the scale tests' list). */
export function longNames(n, seed = 1) {
  const out = [];
  let x = seed;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const word = (len) =>
    Array.from({ length: len }, () => 'abcdefghijklmnopqrstuvwxyz'[next() % 26]).join('');
  const tlds = ['com', 'org', 'net', 'io', 'dev'];
  for (let i = 0; i < n; i++) {
    const name = `${word(3 + (next() % 5))}${i.toString(36)}.${tlds[next() % tlds.length]}`;
    out.push(i % 5 < 2 ? `*.${name}` : `api.${name}`);
  }
  return out;
}
