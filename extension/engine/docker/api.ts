// The part of the Docker Engine API the controller uses, as an interface: the
// real dockerode client satisfies it as is, and the controller's unit tests
// run the reconcile loop against a small in-memory engine that implements it.
import type Docker from 'dockerode';

export interface ContainerApi {
  start(opts?: { abortSignal?: AbortSignal }): Promise<unknown>;
  stop(opts: { t: number }): Promise<unknown>;
  kill(): Promise<unknown>;
  remove(opts: { force?: boolean; v?: boolean }): Promise<unknown>;
  inspect(): Promise<unknown>;
}

/** The fields of a container listing the engine reads. */
export type ListedContainer = Pick<
  Docker.ContainerInfo,
  'Id' | 'Names' | 'Image' | 'Created' | 'Labels' | 'State' | 'Status'
> & {
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
};

/** The fields of a network listing the engine reads (IPAM: the subnet and the replicas' range). */
export type ListedNetwork = Pick<Docker.NetworkInspectInfo, 'Id' | 'Name' | 'Labels'> & {
  IPAM?: { Config?: { Subnet?: string; IPRange?: string; Gateway?: string }[] };
};

export interface DockerApi {
  listContainers(opts: Docker.ContainerListOptions): Promise<ListedContainer[]>;
  createContainer(opts: Docker.ContainerCreateOptions): Promise<{ id: string; start(): Promise<unknown> }>;
  getContainer(id: string): ContainerApi;
  getEvents(opts: Docker.GetEventsOptions): Promise<NodeJS.ReadableStream>;
  listNetworks(opts: Docker.NetworkListOptions): Promise<ListedNetwork[]>;
  createNetwork(opts: Docker.NetworkCreateOptions): Promise<{ id: string }>;
  getNetwork(id: string): { remove(): Promise<unknown> };
}
