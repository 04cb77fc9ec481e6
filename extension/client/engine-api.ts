// Binds the extension's EngineApi to the engine's own client: it reads the stack's
// .flotilla/controller.json and talks to that controller over its token-protected port.
import { ControllerClient } from '../engine/api/client';
import type { EngineApi } from './engine-link';

export const engineApi: EngineApi = {
  connect: (stackDir) => ControllerClient.connect(stackDir),
};
