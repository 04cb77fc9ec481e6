// A Docker client that says when the controller changed a container: every create, start,
// stop, kill, restart, remove or file copy made through it calls `onMutation` once it
// settled (succeeded or not). The reconciler reuses one listing of the stack's containers
// for the passes that follow it closely (a resync enqueues every workload at once) only
// while nothing changed: Docker's events say what others changed, this says what we did.
import type { DockerApi } from './api';

const CONTAINER_MUTATIONS = new Set(['start', 'stop', 'kill', 'remove', 'restart', 'putArchive', 'pause', 'unpause']);

export function withMutationHook<D extends DockerApi>(docker: D, onMutation: () => void): D {
  return new Proxy(docker, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'createContainer') {
        return (...args: unknown[]) => settle(Reflect.apply(value, target, args), onMutation, wrapContainer);
      }
      if (prop === 'getContainer') {
        return (...args: unknown[]) => wrapContainer(Reflect.apply(value, target, args), onMutation);
      }
      return value.bind(target);
    },
  });
}

/** A container object whose mutating calls report themselves. */
function wrapContainer<C>(container: C, onMutation: () => void): C {
  if (typeof container !== 'object' || container === null) return container;
  return new Proxy(container, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && CONTAINER_MUTATIONS.has(prop)) {
        return (...args: unknown[]) => settle(Reflect.apply(value, target, args), onMutation);
      }
      return value.bind(target);
    },
  });
}

/** Calls `onMutation` once `result` settles (at once when it is not a promise); maps a resolved value. */
function settle(
  result: unknown,
  onMutation: () => void,
  map?: (v: unknown, onMutation: () => void) => unknown,
): unknown {
  if (!(result instanceof Promise)) {
    onMutation();
    return result;
  }
  return result.then(
    (v: unknown) => {
      onMutation();
      return map ? map(v, onMutation) : v;
    },
    (e: unknown) => {
      onMutation();
      throw e;
    },
  );
}
