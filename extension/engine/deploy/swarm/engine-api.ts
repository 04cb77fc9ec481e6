// The Engine API's swarm listings, typed by the API's contract. dockerode types these answers loosely (some as
// `any[]`, services as handles), so they are read here once and typed at this one boundary.
import type Dockerode from 'dockerode';

export interface NodeInfo {
  ID: string;
  Version?: { Index?: number };
  Description?: { Hostname?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Addr?: string; Leader?: boolean };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
}

export interface ServiceInfo {
  ID: string;
  Version?: { Index?: number };
  Spec?: Dockerode.ServiceSpec;
  UpdateStatus?: { State?: string; Message?: string };
  Endpoint?: { Ports?: Dockerode.PortConfig[] };
}

export interface TaskInfo {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    Timestamp?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

export interface BlobInfo {
  ID: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

function get<T>(docker: Dockerode, path: string, filters?: Record<string, string[]>): Promise<T> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `${path}?`,
        method: 'GET',
        options: filters ? { filters } : {},
        statusCodes: { 200: true, 404: 'not found', 503: 'not a swarm manager' },
      },
      // The Engine API's documented response shape for this path.
      (err: Error | null, data: unknown) => (err ? reject(err) : resolve(data as T)),
    );
  });
}

export const listNodes = (d: Dockerode) => get<NodeInfo[]>(d, '/nodes');
export const inspectNode = (d: Dockerode, id: string) => get<NodeInfo>(d, `/nodes/${encodeURIComponent(id)}`);
export const listServices = (d: Dockerode, filters: Record<string, string[]>) =>
  get<ServiceInfo[]>(d, '/services', filters);
export const listTasks = (d: Dockerode, filters: Record<string, string[]>) => get<TaskInfo[]>(d, '/tasks', filters);
export const listConfigs = (d: Dockerode, filters: Record<string, string[]>) => get<BlobInfo[]>(d, '/configs', filters);
export const listSecrets = (d: Dockerode, filters: Record<string, string[]>) => get<BlobInfo[]>(d, '/secrets', filters);

/**
 * Changes a node's labels. The node's version moves with every status report, so an update can race one
 * ("update out of sequence"): then it reads the node again and retries.
 */
export async function editNodeLabels(
  d: Dockerode,
  id: string,
  edit: (labels: Record<string, string>) => Record<string, string>,
): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const info = await inspectNode(d, id);
    const before = info.Spec?.Labels ?? {};
    const after = edit({ ...before });
    if (JSON.stringify(after) === JSON.stringify(before)) return false;
    try {
      await d.getNode(id).update({ ...info.Spec, Labels: after, version: info.Version?.Index ?? 0 });
      return true;
    } catch (e) {
      if (attempt >= 5 || !String(e instanceof Error ? e.message : e).includes('out of sequence')) throw e;
    }
  }
}

/** Updates a service to `spec` at its current version, reading the version again if it moved meanwhile. */
export async function updateService(d: Dockerode, id: string, spec: Dockerode.ServiceSpec): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const info = await get<ServiceInfo>(d, `/services/${encodeURIComponent(id)}`);
    try {
      await d.getService(id).update({ ...spec, version: info.Version?.Index ?? 0 });
      return;
    } catch (e) {
      if (attempt >= 5 || !String(e instanceof Error ? e.message : e).includes('out of sequence')) throw e;
    }
  }
}
