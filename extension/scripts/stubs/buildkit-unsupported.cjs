// Bundled in place of @grpc/grpc-js, @grpc/proto-loader and protobufjs. dockerode
// loads them only for BuildKit sessions, which Flotilla never opens (it builds with
// the classic builder through POST /build); leaving them out halves the bundles and
// their start time. Any use fails loudly instead of silently misbehaving.
module.exports = new Proxy(
  {},
  {
    get(_target, prop) {
      if (prop === '__esModule' || typeof prop === 'symbol') return undefined;
      throw new Error(`BuildKit sessions are not supported by Flotilla's bundle (tried to use ${String(prop)})`);
    },
  },
);
