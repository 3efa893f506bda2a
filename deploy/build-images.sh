#!/usr/bin/env bash
# Builds the image of each of the six services from deploy/Dockerfile, tagged
# <registry>/<service>:<version> (and :latest unless --no-latest), with the OCI version
# and git revision labels and each service's default ports baked in.
#
#   deploy/build-images.sh                      # tributary/<service>:<version from package.json>
#   deploy/build-images.sh --push               # and push them
#   IMAGE_PREFIX=registry.example.com/tributary VERSION=1.2.0 deploy/build-images.sh ingestion inference
#
# Environment: IMAGE_PREFIX (default tributary), VERSION (default: the root package.json
# version), REVISION (default: git rev-parse HEAD), DOCKER (default docker; e.g. podman),
# and any BUILDKIT_*/DOCKER_* setting of your builder. Needs a Docker engine with BuildKit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# service gRPC-port ops-port: the defaults of libs/infra (local-services.ts) and of each service.
services=(
  "ingestion 15051 9464"
  "registry 15052 9465"
  "feature-pipeline 15053 9466"
  "trainer 15054 9467"
  "inference 15055 9468"
  "drift-monitor 15056 9469"
)

push=false
latest=true
selected=()
for argument in "$@"; do
  case $argument in
    --push) push=true ;;
    --no-latest) latest=false ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $argument" >&2; exit 2 ;;
    *) selected+=("$argument") ;;
  esac
done

known=" ${services[*]%% *} "
for service in "${selected[@]}"; do
  if [[ $known != *" $service "* ]]; then
    echo "no such service: $service (one of: ingestion registry feature-pipeline trainer inference drift-monitor)" >&2
    exit 2
  fi
done

docker=${DOCKER:-docker}
prefix=${IMAGE_PREFIX:-tributary}
version=${VERSION:-$(node -p "require('./package.json').version")}
revision=${REVISION:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}

for entry in "${services[@]}"; do
  read -r service grpc_port ops_port <<<"$entry"
  if ((${#selected[@]} > 0)) && [[ " ${selected[*]} " != *" $service "* ]]; then continue; fi
  tags=(--tag "$prefix/$service:$version")
  if $latest; then tags+=(--tag "$prefix/$service:latest"); fi
  echo "==> $prefix/$service:$version"
  DOCKER_BUILDKIT=1 "$docker" build \
    --file deploy/Dockerfile \
    --build-arg "SERVICE=$service" \
    --build-arg "GRPC_PORT=$grpc_port" \
    --build-arg "OPS_PORT=$ops_port" \
    --build-arg "VERSION=$version" \
    --build-arg "REVISION=$revision" \
    "${tags[@]}" \
    .
  if $push; then
    "$docker" push "$prefix/$service:$version"
    if $latest; then "$docker" push "$prefix/$service:latest"; fi
  fi
done
