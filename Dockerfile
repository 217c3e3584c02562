# TokenCenter: multi-stage build (SDK 10 → ASP.NET Core 10 runtime), non-root, built-in health probe.
#   docker build -t tokencenter .
#   docker run -p 5000:5000 -p 5001:5001 -v ./secrets:/run/secrets:ro tokencenter
# The base images are build arguments (defaults: Microsoft's). Where no registry is reachable, build
# local ones with .ci/dotnet-images.sh and pass them, as CI does:
#   docker build --build-arg SDK_IMAGE=tokencenter-dotnet-sdk:local \
#                --build-arg RUNTIME_IMAGE=tokencenter-dotnet-runtime:local -t tokencenter .
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# One COPY (what .dockerignore lets through: props, protos, src): each layer costs a full copy of the
# SDK image on storage drivers without overlays (vfs).
COPY . .
# The exact command .ci/run and tests/Container/smoke.sh run (without the output directory difference).
RUN dotnet publish src/TokenServer/TokenServer.csproj -c Release -o /app --nologo -p:UseAppHost=false

FROM ${RUNTIME_IMAGE} AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_NOLOGO=1 \
    Listeners__Grpc=http://0.0.0.0:5001 \
    Listeners__Web=http://0.0.0.0:5000
# gRPC (HTTP/2 h2c) and web (HTTP/1.1: /healthz, /readyz, /metrics, status page).
EXPOSE 5001 5000
# The aspnet image has no curl: the server has a probe mode.
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 \
  CMD ["dotnet", "/app/TokenServer.dll", "--probe", "http://127.0.0.1:5000/healthz"]
# The runtime image's non-root user (uid 1654).
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/TokenServer.dll"]
