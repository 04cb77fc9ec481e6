// What the in-network Service proxy serves, as one JSON document: every Service with
// its ClusterIP, ports and Ready endpoints, and the pod addresses DNS answers for
// headless Services. The controller writes it to the proxy's stdin as one line per
// change (always the whole state, so a reattached or restarted proxy never needs a
// history); the DNS-polling source builds the same shape for one Service.
// Shared by the engine (writer) and the proxy program (reader): no Node-only imports.

export const PROTOCOL_VERSION = 1;

export interface ProxyEndpoint {
  /** For status and logs only. */
  replica: string;
  ip: string;
  /** The resolved target port on that pod. */
  port: number;
}

export interface ProxyPort {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP';
  endpoints: ProxyEndpoint[];
}

export interface ProxyPod {
  ip: string;
  /** Set when the pod's hostname/subdomain make `HOSTNAME.SERVICE.NS...` resolve to it. */
  hostname?: string;
}

export interface ProxyService {
  name: string;
  namespace: string;
  /** Absent for a headless Service (`clusterIP: None`): then DNS answers with `pods`. */
  clusterIP?: string;
  ports: ProxyPort[];
  /** Headless only: the pods DNS answers with (Ready ones, or all with publishNotReadyAddresses). */
  pods: ProxyPod[];
}

export interface ProxyState {
  services: ProxyService[];
}

/** One line on stdin. */
export interface StateMessage {
  v: number;
  type: 'state';
  state: ProxyState;
}

export function stateMessage(state: ProxyState): string {
  const msg: StateMessage = { v: PROTOCOL_VERSION, type: 'state', state };
  return JSON.stringify(msg);
}

/** Parses one line; throws with the reason when it is not a state message this version understands. */
export function parseStateMessage(line: string): ProxyState {
  const v: unknown = JSON.parse(line);
  if (!isRecord(v) || v.type !== 'state') throw new Error('not a state message');
  if (v.v !== PROTOCOL_VERSION) throw new Error(`protocol version ${String(v.v)}, expected ${PROTOCOL_VERSION}`);
  return parseState(v.state);
}

export function parseState(v: unknown): ProxyState {
  if (!isRecord(v) || !Array.isArray(v.services)) throw new Error('state.services must be a list');
  return { services: v.services.map(parseService) };
}

function parseService(v: unknown, i: number): ProxyService {
  if (!isRecord(v)) throw new Error(`services[${i}] must be an object`);
  const name = str(v.name, `services[${i}].name`);
  const clusterIP = v.clusterIP === undefined ? undefined : ipv4(v.clusterIP, `services[${i}].clusterIP`);
  return {
    name,
    namespace: str(v.namespace ?? 'default', `services[${i}].namespace`),
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ports: list(v.ports, `services[${i}].ports`).map((p, j) => parsePort(p, `services[${i}].ports[${j}]`)),
    pods: list(v.pods ?? [], `services[${i}].pods`).map((p, j) => {
      const at = `services[${i}].pods[${j}]`;
      if (!isRecord(p)) throw new Error(`${at} must be an object`);
      const ip = ipv4(p.ip, `${at}.ip`);
      return p.hostname === undefined ? { ip } : { ip, hostname: str(p.hostname, `${at}.hostname`) };
    }),
  };
}

function parsePort(v: unknown, at: string): ProxyPort {
  if (!isRecord(v)) throw new Error(`${at} must be an object`);
  return {
    ...(v.name !== undefined ? { name: str(v.name, `${at}.name`) } : {}),
    port: port(v.port, `${at}.port`),
    protocol: v.protocol === 'UDP' ? 'UDP' : 'TCP',
    endpoints: list(v.endpoints, `${at}.endpoints`).map((e, k) => {
      const eat = `${at}.endpoints[${k}]`;
      if (!isRecord(e)) throw new Error(`${eat} must be an object`);
      return { replica: str(e.replica ?? '', eat), ip: ipv4(e.ip, `${eat}.ip`), port: port(e.port, `${eat}.port`) };
    }),
  };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new Error(`${at} must be a string`);
  return v;
}

function list(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${at} must be a list`);
  return v;
}

function port(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw new Error(`${at} must be a port`);
  return v;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(v: string): boolean {
  return IPV4.test(v);
}

function ipv4(v: unknown, at: string): string {
  if (typeof v !== 'string' || !isIPv4(v)) throw new Error(`${at} must be an IPv4 address`);
  return v;
}
