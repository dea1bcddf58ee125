using Microsoft.Extensions.Options;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// Keeps the repository URLs tenants give from reaching the portal's own network: a Git host must resolve to public
/// addresses unless <c>Portal:Builds:Git:AllowPrivateHosts</c> is set or <c>AllowedHosts</c> lists it. git dials by
/// itself, so the check runs when a source is connected and again before each contact.
/// </summary>
public sealed class GitHostGuard(IOptions<GitOptions> options)
    : NetworkTargetGuard(
        options.Value.AllowPrivateHosts,
        options.Value.AllowedHosts,
        new TargetWording("repository", "RepositoryUrl", "fetch from", $"{GitOptions.Section}:AllowedHosts")
    );
