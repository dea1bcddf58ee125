using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// A Git source for an application as a form or the API sends it. A secret left empty keeps the stored one, as long as
/// the kind and the host stay the same.
/// </summary>
public sealed record ConnectAppSource(
    string AppName,
    string? RepositoryUrl,
    string? Ref,
    string? SubDirectory,
    GitCredentialKind CredentialKind,
    string? UserName,
    string? Secret
);

/// <summary>
/// A source as pages and the API show it: never its credential, only whether there is one and its kind.
/// </summary>
public sealed record AppSourceView(
    string RepositoryUrl,
    string Ref,
    string SubDirectory,
    GitCredentialKind CredentialKind,
    bool HasCredential,
    string? CheckedCommit,
    DateTime UpdatedAt
)
{
    public static AppSourceView Of(AppSource source) =>
        new(
            source.RepositoryUrl,
            source.Ref,
            source.SubDirectory,
            source.CredentialKind,
            source.HasCredential,
            source.CheckedCommit,
            source.UpdatedAt
        );
}

/// <summary>What a build fetches from: the source's address and the remote with its credential opened.</summary>
public sealed record SourceToFetch(Guid ApplicationId, GitSourceAddress Address, GitRemote Remote);

/// <summary>
/// Connects the applications of the current tenant to their Git repositories: each source is test-connected before it
/// is saved, its credential sealed, and every change audited without the credential.
/// </summary>
public sealed class AppSources(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    SourceCredentialVault vault,
    IGitClient git,
    GitHostGuard guard,
    TimeProvider clock
)
{
    public async Task<AppSourceView?> FindAsync(string appName, CancellationToken ct)
    {
        var source = await (
            from s in db.AppSources.AsNoTracking()
            join a in db.Applications on s.ApplicationId equals a.Id
            where a.Name == appName
            select s
        ).FirstOrDefaultAsync(ct);
        return source is null ? null : AppSourceView.Of(source);
    }

    /// <summary>Whether the current tenant has an application of that name, for pages about its source.</summary>
    public Task<bool> ApplicationExistsAsync(string appName, CancellationToken ct) =>
        db.Applications.AsNoTracking().AnyAsync(a => a.Name == appName, ct);

    /// <summary>Tries the source as given — URL, ref and credential — and saves nothing.</summary>
    public async Task<Result<GitConnection>> TestAsync(ConnectAppSource request, CancellationToken ct)
    {
        var prepared = await PrepareAsync(request, ct);
        return prepared.Succeeded ? await TryAsync(prepared.Value, ct) : prepared.Problem!;
    }

    /// <summary>
    /// Connects the application to a repository, or replaces its source, once the repository answered.
    /// </summary>
    public async Task<Result<AppSourceView>> ConnectAsync(ConnectAppSource request, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var prepared = await PrepareAsync(request, ct);
        if (!prepared.Succeeded)
            return prepared.Problem!;
        var (app, existing, address, credential, sealedCredential, knownHosts) = prepared.Value;
        var connection = await TryAsync(prepared.Value, ct);
        if (!connection.Succeeded)
            return connection.Problem!;
        var sealedNow = sealedCredential ?? vault.Seal(credential);
        var now = clock.GetUtcNow().UtcDateTime;
        var knownAfter = connection.Value.KnownHosts.Length > 0 ? connection.Value.KnownHosts : knownHosts;
        AppSource source;
        if (existing is null)
        {
            source = AppSource.Connect(
                tenant.Id,
                app.Id,
                address,
                credential.Kind,
                sealedNow,
                connection.Value.Commit,
                knownAfter,
                now
            );
            db.AppSources.Add(source);
        }
        else
        {
            source = existing;
            source.Replace(address, credential.Kind, sealedNow, connection.Value.Commit, knownAfter, now);
        }
        audit.Record(
            actor,
            tenant,
            existing is null ? BuildAuditActions.SourceConnected : BuildAuditActions.SourceReplaced,
            "application",
            app.Name,
            $"{address.Summary} ({Describe(credential.Kind)})"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"The source of '{app.Name}' was connected meanwhile; reload and try again.");
        return AppSourceView.Of(source);
    }

    public async Task<Result> DisconnectAsync(string appName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: its sources cannot change.");
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var source = await db.AppSources.FirstOrDefaultAsync(s => s.ApplicationId == app.Id, ct);
        if (source is null)
            return Problem.NotFound($"The source of '{appName}'");
        db.AppSources.Remove(source);
        audit.Record(
            actor,
            tenant,
            BuildAuditActions.SourceDisconnected,
            "application",
            app.Name,
            source.Address.Summary
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    /// <summary>
    /// The stored source of an application of the current tenant with its credential opened, for a build to fetch
    /// from; its host passes the guard again, since what a name resolves to may have changed.
    /// </summary>
    public async Task<Result<SourceToFetch>> ToFetchAsync(Guid applicationId, CancellationToken ct)
    {
        var source = await db.AppSources.FirstOrDefaultAsync(s => s.ApplicationId == applicationId, ct);
        if (source is null)
            return Problem.NotFound("The application's source");
        var address = source.Address;
        var reachable = await guard.CheckAsync(GuardedUri(address.Url), ct);
        if (!reachable.Succeeded)
            return reachable.Problem!;
        var credential = vault.Open(source.CredentialKind, SealedCredentialOf(source));
        return new SourceToFetch(
            applicationId,
            address,
            new GitRemote(address.Url.Value, credential, source.KnownHosts)
        );
    }

    /// <summary>
    /// Keeps the SSH host keys a contact met for the first time, so that a later change of key is refused.
    /// </summary>
    public async Task RememberHostKeysAsync(Guid applicationId, string knownHosts, CancellationToken ct)
    {
        var source = await db.AppSources.FirstOrDefaultAsync(s => s.ApplicationId == applicationId, ct);
        if (source is null || knownHosts.Length == 0 || source.KnownHosts == knownHosts)
            return;
        source.RememberHostKeys(knownHosts);
        await db.SaveChangesAsync(ct);
    }

    private sealed record Prepared(
        Domain.Applications.Application App,
        AppSource? Existing,
        GitSourceAddress Address,
        GitCredential Credential,
        string? ReusedSealedCredential,
        string KnownHosts
    );

    private async Task<Result<Prepared>> PrepareAsync(ConnectAppSource request, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: its sources cannot change.");
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == request.AppName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{request.AppName}'");
        var existing = await db.AppSources.FirstOrDefaultAsync(s => s.ApplicationId == app.Id, ct);

        var address = GitSourceAddress.Parse(request.RepositoryUrl, request.Ref, request.SubDirectory);
        var problems = new List<Problem>();
        if (!address.Succeeded)
            problems.AddRange(address.Problem!.Causes.Count > 0 ? address.Problem.Causes : [address.Problem]);
        GitCredential? credential = null;
        string? reused = null;
        if (address.Succeeded)
        {
            if (
                string.IsNullOrEmpty(request.Secret)
                && request.CredentialKind != GitCredentialKind.None
                && existing is not null
                && existing.CredentialKind == request.CredentialKind
                && existing.MayReuseCredentialFor(address.Value)
                && (
                    request.CredentialKind != GitCredentialKind.UserPassword
                    || string.IsNullOrWhiteSpace(request.UserName)
                    || vault.Open(existing.CredentialKind, SealedCredentialOf(existing)).UserName
                        == request.UserName.Trim()
                )
            )
            {
                reused = SealedCredentialOf(existing);
                credential = vault.Open(existing.CredentialKind, reused);
            }
            else
            {
                var created = GitCredential.Create(
                    request.CredentialKind,
                    request.UserName,
                    request.Secret,
                    address.Value.Url.Transport
                );
                if (created.Succeeded)
                    credential = created.Value;
                else
                    problems.AddRange(created.Problem!.Causes.Count > 0 ? created.Problem.Causes : [created.Problem]);
            }
        }
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        var reachable = await guard.CheckAsync(GuardedUri(address.Value.Url), ct);
        if (!reachable.Succeeded)
            return reachable.Problem!;
        var knownHosts = existing is not null && existing.SameHostAs(address.Value) ? existing.KnownHosts : "";
        return new Prepared(app, existing, address.Value, credential!, reused, knownHosts);
    }

    private async Task<Result<GitConnection>> TryAsync(Prepared prepared, CancellationToken ct) =>
        await git.TestConnectionAsync(
            new GitRemote(prepared.Address.Url.Value, prepared.Credential, prepared.KnownHosts),
            prepared.Address.Ref.Value,
            ct
        );

    private string SealedCredentialOf(AppSource source) =>
        db.Entry(source).Property<string>(AppSourceConfiguration.SealedCredential).CurrentValue ?? "";

    private static Uri GuardedUri(GitRepositoryUrl url) =>
        new UriBuilder(url.Transport == GitTransport.Https ? "https" : "ssh", url.Host, url.Port ?? -1).Uri;

    private static string Describe(GitCredentialKind kind) =>
        kind switch
        {
            GitCredentialKind.None => "no credential",
            GitCredentialKind.Token => "token",
            GitCredentialKind.UserPassword => "user and password",
            _ => "SSH key",
        };
}
