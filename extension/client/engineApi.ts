// Binds the extension's EngineApi to the engine's own client module. Until that
// module exists no controller can be reached, and the views show their welcome text.
import type { EngineApi } from './engineLink';

export const engineApi: EngineApi = {
  connect: async () => undefined,
  readStatus: async () => undefined,
};
