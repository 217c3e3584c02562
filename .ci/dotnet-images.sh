#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's base images, since no image registry is reachable here:
#   tokencenter-dotnet-runtime:local  FROM scratch: this machine's .NET runtime (Microsoft.NETCore.App +
#                                     Microsoft.AspNetCore.App), the libraries ldd lists for it plus the
#                                     ones .NET loads at run time (OpenSSL, ICU), CA certificates, a
#                                     non-root user "app" (uid 1654, as in Microsoft's images: APP_UID).
#   tokencenter-dotnet-sdk:local      the runtime image plus this machine's SDK and a shell (restores
#                                     from NuGet over the network like the official SDK image).
# Needs a running Docker engine. Prints the two image names.
set -euo pipefail
runtime="${TC_RUNTIME_IMAGE:-tokencenter-dotnet-runtime:local}"
sdk="${TC_SDK_IMAGE:-tokencenter-dotnet-sdk:local}"
root=$(dirname "$(readlink -f "$(command -v dotnet)")")

copy_with_libs() { # copy_with_libs CTX FILE...: each file and the libraries ldd resolves for it
  local ctx=$1 f lib; shift
  for f in "$@"; do
    [ -e "$ctx$f" ] || install -D "$(readlink -f "$f")" "$ctx$f"
    for lib in $(ldd "$f" 2>/dev/null | awk '/=> \// {print $3} /^[[:space:]]*\/lib/ {print $1}'); do
      [ -e "$ctx$lib" ] || install -D "$(readlink -f "$lib")" "$ctx$lib"
    done
  done
}

if ! docker image inspect "$runtime" >/dev/null 2>&1; then
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/usr/share/dotnet/shared" "$ctx/tmp" "$ctx/etc/ssl/certs" "$ctx/home/app" "$ctx/usr/bin"
  cp -a "$root/dotnet" "$root/host" "$ctx/usr/share/dotnet/"
  cp -a "$root/shared/Microsoft.NETCore.App" "$root/shared/Microsoft.AspNetCore.App" "$ctx/usr/share/dotnet/shared/"
  ln -s /usr/share/dotnet/dotnet "$ctx/usr/bin/dotnet"
  copy_with_libs "$ctx" "$root/dotnet" $(find "$root/shared/Microsoft.NETCore.App" "$root/host" -name '*.so')
  libs=/usr/lib/x86_64-linux-gnu
  copy_with_libs "$ctx" $libs/libssl.so.3 $libs/libcrypto.so.3 $(ls $libs/libicu{uc,i18n,data}.so.[0-9]* | grep -v '\.so\.[0-9]*\.[0-9]')
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654:app:/home/app:/sbin/nologin\n' > "$ctx/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' > "$ctx/etc/group"
  chmod 1777 "$ctx/tmp"; chown 1654:1654 "$ctx/home/app"
  cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY . /
ENV APP_UID=1654 DOTNET_ROOT=/usr/share/dotnet PATH=/usr/share/dotnet:/usr/bin:/bin \
    ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t "$runtime" "$ctx" >/dev/null 2>&1 || DOCKER_BUILDKIT=0 docker build -t "$runtime" "$ctx" >&2
  rm -rf "$ctx"; trap - EXIT
fi

if ! docker image inspect "$sdk" >/dev/null 2>&1; then
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  mkdir -p "$ctx/usr/share/dotnet" "$ctx/root"
  cp -a "$root/sdk" "$root/packs" "$root/sdk-manifests" "$ctx/usr/share/dotnet/" 2>/dev/null || cp -a "$root/sdk" "$ctx/usr/share/dotnet/"
  [ -d "$root/templates" ] && cp -a "$root/templates" "$ctx/usr/share/dotnet/"
  copy_with_libs "$ctx" /bin/sh /bin/cp /bin/mkdir /bin/rm /bin/ls $(find "$root/sdk" -name '*.so')
  cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $runtime
COPY . /
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t "$sdk" "$ctx" >/dev/null 2>&1 || DOCKER_BUILDKIT=0 docker build -t "$sdk" "$ctx" >&2
fi
echo "$runtime $sdk"
