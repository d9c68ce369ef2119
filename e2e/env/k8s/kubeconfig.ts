// A self-contained admin kubeconfig (certificates embedded as base64 data).
import { readFile, writeFile } from 'node:fs/promises';
import { dump } from 'js-yaml';
import type { Pki } from './pki.ts';

export async function writeKubeconfig(path: string, server: string, pki: Pki): Promise<void> {
  const base64 = async (file: string) => (await readFile(file)).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'vpo-e2e',
        cluster: { server, 'certificate-authority-data': await base64(pki.caCert) },
      },
    ],
    users: [
      {
        name: 'vpo-e2e-admin',
        user: {
          'client-certificate-data': await base64(pki.adminCert),
          'client-key-data': await base64(pki.adminKey),
        },
      },
    ],
    contexts: [{ name: 'vpo-e2e', context: { cluster: 'vpo-e2e', user: 'vpo-e2e-admin' } }],
    'current-context': 'vpo-e2e',
  };
  await writeFile(path, dump(config), { mode: 0o600 });
}
