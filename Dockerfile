# syntax=docker/dockerfile:1

# ---- build ------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1

# Restore first, from the project files only, so the layer is cached until a
# project or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/Portal.Domain/Portal.Domain.csproj src/Portal.Domain/
COPY src/Portal.Infrastructure/Portal.Infrastructure.csproj src/Portal.Infrastructure/
COPY src/Portal.Web/Portal.Web.csproj src/Portal.Web/
COPY migrations/Portal.Migrations.Sqlite/Portal.Migrations.Sqlite.csproj migrations/Portal.Migrations.Sqlite/
COPY migrations/Portal.Migrations.Postgres/Portal.Migrations.Postgres.csproj migrations/Portal.Migrations.Postgres/
RUN dotnet restore src/Portal.Web/Portal.Web.csproj

# The web root is the top-level wwwroot/, linked into Portal.Web by its csproj.
COPY . .
RUN dotnet publish src/Portal.Web/Portal.Web.csproj -c Release -o /app --no-restore

# ---- runtime ----------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1

COPY --from=build /app ./

# App_Data (SQLite database, local state) lives under the content root; key-ring
# holds the certificate that encrypts the Data Protection key ring (a volume in
# docker-compose.yml, which takes this directory's owner). They are the only
# places the non-root user may write to.
RUN mkdir -p /app/App_Data /app/key-ring && chown "$APP_UID" /app/App_Data /app/key-ring

# Builds: this image has no buildah (it would need root or user namespaces inside the
# container), so a portal run from it builds with the Kubernetes builder
# (Portal__Builds__Builder=KubernetesJob: a rootless BuildKit Job per build in the
# tenant's cluster) and pushes to a registry the clusters reach
# (Portal__Builds__Registry__Url); docker-compose.yml sets both, with a registry service.

# The image's built-in non-root `app` user (APP_UID=1654).
USER $APP_UID

EXPOSE 8080
ENTRYPOINT ["dotnet", "Portal.Web.dll"]
