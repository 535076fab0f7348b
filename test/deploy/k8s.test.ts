import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { QUEUE_NAME } from '@strongbox/queue';
import { QueueKeys } from 'bullmq';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const k8s = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/k8s');

// The schemas ship inside the npm packages: validation needs no cluster and no network.
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

// biome-ignore lint/suspicious/noExplicitAny: manifests are checked by the schemas, then read here.
type Manifest = any;

async function manifests(): Promise<{ file: string; object: Manifest }[]> {
  const kustomization = await readYaml('kustomization.yaml');
  const found: { file: string; object: Manifest }[] = [];
  for (const file of kustomization[0].resources as string[]) {
    for (const object of await readYaml(file)) found.push({ file, object });
  }
  return found;
}

async function readYaml(file: string): Promise<Manifest[]> {
  const documents = parseAllDocuments(await readFile(path.join(k8s, file), 'utf8'));
  return documents.map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]!.message}`);
    return document.toJS();
  });
}

function validate(object: Manifest): void {
  const model = models[`${object.apiVersion}/${object.kind}`];
  if (model === undefined) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new model(object as never).validate();
}

const find = async (kind: string, name: string) =>
  (await manifests()).find(({ object }) => object.kind === kind && object.metadata.name === name)?.object;

describe('deploy/k8s', () => {
  it('lists every manifest in the folder in its kustomization, and nothing else', async () => {
    const [kustomization] = await readYaml('kustomization.yaml');
    const files = (await readdir(k8s)).filter(
      (file) => file.endsWith('.yaml') && file !== 'kustomization.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it('validates every object against the Kubernetes and KEDA schemas', async () => {
    const all = await manifests();
    expect(all.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/strongbox',
      'Deployment/strongbox-api',
      'Deployment/strongbox-worker',
      'Job/strongbox-migrate',
      'Namespace/strongbox',
      'PersistentVolumeClaim/strongbox-backup',
      'PersistentVolumeClaim/strongbox-source',
      'ScaledObject/strongbox-worker',
      'Secret/strongbox',
      'Service/strongbox-api',
    ]);
    for (const { file, object } of all) {
      expect(() => validate(object), `${file}: ${object.kind}/${object.metadata.name}`).not.toThrow();
    }
  });

  it('would catch a wrong manifest: the schemas refuse bad types and missing fields', async () => {
    const deployment = structuredClone(await find('Deployment', 'strongbox-api'));
    deployment.spec.replicas = 'two';
    expect(() => validate(deployment)).toThrow(/replicas/);
    const scaled = structuredClone(await find('ScaledObject', 'strongbox-worker'));
    delete scaled.spec.scaleTargetRef;
    expect(() => validate(scaled)).toThrow(/scaleTargetRef/);
  });

  it("scales workers on BullMQ's wait list of the queue under QUEUE_PREFIX, from 1 replica", async () => {
    const config = await find('ConfigMap', 'strongbox');
    const keys = new QueueKeys(config.data.QUEUE_PREFIX).getKeys(QUEUE_NAME);
    const scaled = await find('ScaledObject', 'strongbox-worker');
    expect(scaled.spec.scaleTargetRef.name).toBe('strongbox-worker');
    expect(scaled.spec.minReplicaCount).toBe(1);
    expect(
      scaled.spec.triggers.map((trigger: Manifest) => [trigger.type, trigger.metadata.listName]),
    ).toEqual([
      ['redis', keys.wait],
      ['redis', keys.active],
    ]);
    expect(keys.wait).toBe('strongbox:jobs:wait');
    // The trigger reads the same Redis as the apps.
    const redisHost = new URL(config.data.REDIS_URL).hostname;
    for (const trigger of scaled.spec.triggers)
      expect(trigger.metadata.address).toMatch(new RegExp(`^${redisHost}\\.`));
  });

  it('probes the API on /health (liveness) and /ready (readiness), and gives workers longer than their grace', async () => {
    const api = (await find('Deployment', 'strongbox-api')).spec.template.spec.containers[0];
    expect(api.livenessProbe.httpGet.path).toBe('/health');
    expect(api.readinessProbe.httpGet.path).toBe('/ready');
    const worker = (await find('Deployment', 'strongbox-worker')).spec.template.spec;
    expect(worker.terminationGracePeriodSeconds).toBeGreaterThan(60);
    for (const container of [api, worker.containers[0]]) {
      expect(container.resources.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources.limits.memory).toEqual(expect.any(String));
    }
  });

  it('shares the backup and source folders between workers through ReadWriteMany claims', async () => {
    for (const name of ['strongbox-backup', 'strongbox-source']) {
      expect((await find('PersistentVolumeClaim', name)).spec.accessModes).toEqual(['ReadWriteMany']);
    }
    const worker = (await find('Deployment', 'strongbox-worker')).spec.template.spec;
    const config = await find('ConfigMap', 'strongbox');
    const mounts = Object.fromEntries(
      worker.containers[0].volumeMounts.map((mount: Manifest) => [mount.mountPath, mount.name]),
    );
    const claims = Object.fromEntries(
      worker.volumes.map((volume: Manifest) => [volume.name, volume.persistentVolumeClaim.claimName]),
    );
    expect(claims[mounts[config.data.BACKUP_FOLDER]]).toBe('strongbox-backup');
    expect(claims[mounts[config.data.SOURCE_ROOT]]).toBe('strongbox-source');
  });
});
