// Short reference texts for hover and completion (after the Dockerfile reference).
export const INSTRUCTION_DOCS: Record<string, string> = {
  FROM: 'Starts a build stage from a base image: `FROM [--platform=<p>] <image>[:<tag>|@<digest>] [AS <name>]`.',
  RUN: 'Runs a command in a new layer. Shell form `RUN cmd`, exec form `RUN ["exe", "arg"]`, or a heredoc `RUN <<EOF … EOF`. Flags: --mount, --network, --security.',
  CMD: 'Default command of the container. Prefer the exec form `CMD ["exe", "arg"]` so the process is PID 1 and receives signals. Only the last CMD counts.',
  LABEL: 'Adds metadata: `LABEL key="value" …`.',
  MAINTAINER: 'Deprecated: use `LABEL maintainer="name"`.',
  EXPOSE:
    'Documents the ports the container listens on: `EXPOSE <port>[/tcp|udp] …`. Flotilla checks containerPorts against it.',
  ENV: 'Sets environment variables for later instructions and the container: `ENV KEY=value …`.',
  ADD: 'Copies files, fetches URLs and unpacks local tar archives. Prefer COPY for plain files.',
  COPY: 'Copies files from the context or another stage: `COPY [--from=<stage>] [--chown=<u:g>] [--chmod=<mode>] [--link] <src>… <dest>`.',
  ENTRYPOINT: 'The executable the container runs; CMD supplies default arguments. Prefer the exec form.',
  VOLUME: 'Declares a mount point: `VOLUME ["/data"]`.',
  USER: 'Sets the user (and group) for later instructions and the container: `USER <user>[:<group>]`.',
  WORKDIR: 'Sets the working directory for later instructions; created if missing. Use an absolute path.',
  ARG: 'Declares a build argument: `ARG NAME[=default]`. Before FROM it is usable in FROM lines only.',
  ONBUILD: 'Registers an instruction to run when this image is used as a base.',
  STOPSIGNAL: 'Signal sent to stop the container, e.g. `STOPSIGNAL SIGTERM`.',
  HEALTHCHECK:
    'How Docker tests the container is still working: `HEALTHCHECK [--interval=30s] [--timeout=30s] [--start-period=0s] [--retries=3] CMD <command>` or `HEALTHCHECK NONE`.',
  SHELL: 'Overrides the shell for shell-form commands, in JSON form: `SHELL ["/bin/bash", "-o", "pipefail", "-c"]`.',
};

export const FLAG_DOCS: Record<string, string> = {
  platform: 'Target platform of the base image, e.g. linux/amd64 (prefer $BUILDPLATFORM).',
  mount: 'Mounts for this RUN: type=cache, type=secret, type=bind, type=ssh, type=tmpfs.',
  network: 'Network for this RUN: default, none or host.',
  security: 'sandbox (default) or insecure.',
  from: 'Copy from an earlier build stage (name or index) or from an image.',
  chown: 'Owner of the copied files: user[:group].',
  chmod: 'Permissions of the copied files, e.g. 755.',
  link: 'Copy into an independent layer, so it survives base-image changes.',
  parents: 'Keep the parent folders of the sources.',
  exclude: 'Paths to leave out of the copy.',
  checksum: 'Expected checksum of a remote ADD source (sha256:…).',
  'keep-git-dir': 'Keep the .git folder when ADD clones a Git repository.',
  interval: 'Time between checks (default 30s).',
  timeout: 'Time a check may take (default 30s).',
  'start-period': 'Grace period after start during which failures do not count (default 0s).',
  'start-interval': 'Time between checks during the start period (default 5s).',
  retries: 'Consecutive failures before the container is unhealthy (default 3).',
};
