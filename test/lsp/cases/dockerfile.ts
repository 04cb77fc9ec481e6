// One failing and one passing Dockerfile per rule.
import type { Cases } from './types';

const OK = 'FROM debian:12\nWORKDIR /app\nCOPY . .\nUSER app\nHEALTHCHECK CMD ["true"]\nCMD ["./run"]\n';
const df = (body: string) => ({ Dockerfile: body });
const with_ = (extra: string) => df(OK.replace('USER app\n', extra + '\nUSER app\n'));
const APT =
  'RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*';

export const DOCKERFILE_CASES: Cases = {
  FD1001: { bad: with_('FOOBAR x'), good: df(OK) },
  FD1002: { bad: df(OK.replace('USER app', 'USER app other')), good: df(OK) },
  FD1003: { bad: df(OK.replace('CMD ["./run"]', "CMD ['./run']")), good: df(OK) },
  FD1004: { bad: with_('COPY --bogus=1 a /b'), good: with_('COPY --chown=1:1 a /b') },
  FD1005: {
    bad: df(OK.replace('HEALTHCHECK CMD', 'HEALTHCHECK --interval=5x CMD')),
    good: df(OK.replace('HEALTHCHECK CMD', 'HEALTHCHECK --interval=5s --retries=3 CMD')),
  },
  FD1006: { bad: with_('EXPOSE 99999'), good: with_('EXPOSE 8080/tcp 53/udp') },
  FD1007: {
    bad: df(OK.replace('HEALTHCHECK CMD ["true"]', 'HEALTHCHECK NONE true')),
    good: df(OK.replace('HEALTHCHECK CMD ["true"]', 'HEALTHCHECK NONE')),
  },
  FD1008: {
    bad: with_('COPY --from=nope /a /b'),
    good: df('FROM debian:12 AS build\nRUN touch /a\n' + OK.replace('USER app', 'COPY --from=build /a /b\nUSER app')),
  },
  FD1009: {
    bad: df('FROM debian:12 AS build\nFROM debian:12 AS build\n' + OK),
    good: df('FROM debian:12 AS build\nFROM debian:12 AS test\n' + OK),
  },
  FD1010: { bad: df('RUN true\n' + OK), good: df('ARG V=12\n' + OK) },
  FD1011: {
    bad: df(OK.replace('FROM debian:12', 'FROM debian:12 build')),
    good: df(OK.replace('FROM debian:12', 'FROM debian:12 AS build')),
  },
  FD1013: { bad: df('FROM debian:12\n\u0000\u0001ELF'), good: df(OK) },
  FD1012: {
    bad: df(OK.replace('USER app\nHEALTHCHECK CMD ["true"]\nCMD ["./run"]\n', 'RUN <<EOF\necho hi\n')),
    good: with_('RUN <<EOF\necho hi\nEOF'),
  },
  FD3000: { bad: df(OK.replace('WORKDIR /app', 'WORKDIR app')), good: df(OK) },
  FD3001: { bad: with_('RUN ps aux'), good: with_('RUN echo ok') },
  FD3002: { bad: df(OK.replace('USER app', 'USER root')), good: df(OK) },
  FD3003: { bad: with_('RUN cd /x && make'), good: with_('WORKDIR /x\nRUN make') },
  FD3004: { bad: with_('RUN sudo make'), good: with_('RUN make') },
  FD3006: { bad: df(OK.replace('debian:12', 'debian')), good: df(OK) },
  FD3007: { bad: df(OK.replace('debian:12', 'debian:latest')), good: df(OK) },
  FD3008: { bad: with_(APT.replace('curl=7.88.1-10', 'curl')), good: with_(APT) },
  FD3009: { bad: with_(APT.replace(' && rm -rf /var/lib/apt/lists/*', '')), good: with_(APT) },
  FD3012: { bad: with_('HEALTHCHECK CMD ["false"]'), good: df(OK) },
  FD3013: {
    bad: with_('RUN pip install --no-cache-dir flask'),
    good: with_('RUN pip install --no-cache-dir flask==3.0.0'),
  },
  FD3014: { bad: with_(APT.replace('-y ', '')), good: with_(APT) },
  FD3015: { bad: with_(APT.replace('--no-install-recommends ', '')), good: with_(APT) },
  FD3019: {
    bad: df(OK.replace('debian:12', 'alpine:3.19').replace('USER app', 'RUN apk add curl\nUSER app')),
    good: df(OK.replace('debian:12', 'alpine:3.19').replace('USER app', 'RUN apk add --no-cache curl\nUSER app')),
  },
  FD3020: {
    bad: df(OK.replace('COPY . .', 'ADD . .')),
    good: df(OK.replace('COPY . .', 'ADD https://example.com/a.tar.gz /tmp/')),
  },
  FD3021: { bad: with_('COPY a b /dest'), good: with_('COPY a b /dest/') },
  FD3025: { bad: df(OK.replace('CMD ["./run"]', 'CMD ./run --port 80')), good: df(OK) },
  FD3027: {
    bad: with_('RUN apt install -y curl'),
    good: with_('RUN apt-get install -y --no-install-recommends curl=1 && rm -rf /var/lib/apt/lists/*'),
  },
  FD3029: {
    bad: df(OK.replace('FROM ', 'FROM --platform=linux/amd64 ')),
    good: df(OK.replace('FROM ', 'FROM --platform=$BUILDPLATFORM ')),
  },
  FD3042: { bad: with_('RUN pip install flask==3.0.0'), good: with_('RUN pip install --no-cache-dir flask==3.0.0') },
  FD3045: {
    bad: df('FROM debian:12\nCOPY a.txt dest/\nUSER app\nHEALTHCHECK CMD ["true"]\n'),
    good: df(OK.replace('COPY . .', 'COPY a.txt dest/')),
  },
  FD3057: { bad: df(OK.replace('HEALTHCHECK CMD ["true"]\n', '')), good: df(OK) },
  FD3059: { bad: with_('RUN echo a\nRUN echo b'), good: with_('RUN echo a && echo b') },
  FD4000: { bad: with_('MAINTAINER me@example.com'), good: with_('LABEL maintainer="me@example.com"') },
  FD4001: { bad: with_('RUN curl -fsSO https://x/a\nRUN wget https://x/b'), good: with_('RUN curl -fsSO https://x/a') },
  FD4003: { bad: df(OK + 'CMD ["./other"]\n'), good: df(OK) },
  FD4004: { bad: df(OK + 'ENTRYPOINT ["a"]\nENTRYPOINT ["b"]\n'), good: df(OK + 'ENTRYPOINT ["a"]\n') },
  FD4006: {
    bad: with_('RUN curl -fsS https://x | sh'),
    good: with_(
      'RUN echo "a|b" && grep -E \'x|y\' f || true\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN curl -fsS https://x | sh',
    ),
  },
};
