// One place that decides how to reach the Docker engine: DOCKER_HOST when set
// (unix://, tcp://, npipe://), else the platform's default socket.
import Docker from 'dockerode';
import { errorMessage } from '../util/errors';

export class DockerUnavailableError extends Error {
  constructor(where: string, cause: string) {
    super(
      `no Docker engine answers at ${where} (${cause}). Start Docker (Docker Desktop, or 'sudo systemctl start docker'), ` +
        `or run 'npm run setup:docker' on a Debian machine to install and start one.`,
    );
    this.name = 'DockerUnavailableError';
  }
}

export function dockerHost(): string {
  return (
    process.env.DOCKER_HOST ||
    (process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock')
  );
}

/** dockerode reads DOCKER_HOST itself; the explicit socketPath keeps the default obvious. */
export function createDocker(): Docker {
  return process.env.DOCKER_HOST
    ? new Docker()
    : new Docker(process.platform === 'win32' ? undefined : { socketPath: '/var/run/docker.sock' });
}

/** Connects and checks that the engine answers, with a message that says how to fix it. */
export async function connectDocker(timeoutMs = 5000): Promise<Docker> {
  const docker = createDocker();
  try {
    await withTimeout(docker.ping(), timeoutMs, 'no answer');
  } catch (e) {
    throw new DockerUnavailableError(dockerHost(), errorMessage(e));
  }
  return docker;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]);
}
