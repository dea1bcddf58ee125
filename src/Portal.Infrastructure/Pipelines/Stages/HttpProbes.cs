using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// One attempt of a probe: whether it answered 2xx, what happened in words, and whether the guard refused the target
/// (which trying again cannot change).
/// </summary>
public sealed record ProbeAttempt(bool Passed, string Words, bool Refused = false);

/// <summary>
/// The HTTP probes of test stages: where a probe goes (an application's ingress host in an environment, or a URL),
/// and one guarded GET of it with a short timeout. No redirects are followed: a redirect could point anywhere.
/// </summary>
public sealed class HttpProbes(
    PortalDbContext db,
    SpecVault vault,
    ProbeTargetGuard guard,
    IHttpClientFactory httpClients,
    IOptions<PipelineStageOptions> options
)
{
    public const string HttpClientName = "Portal.Pipelines.Probes";

    /// <summary>
    /// The URL to GET: the probe's own, or the application's ingress host in the probe's environment (as the revision
    /// running there publishes it, https when it has a TLS secret) with the probe's path.
    /// </summary>
    public async Task<Result<Uri>> TargetAsync(Application app, HttpProbe probe, CancellationToken ct)
    {
        if (probe.Url is { Length: > 0 } url)
            return Uri.TryCreate(url, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"
                ? absolute
                : Problem.Invalid("probe", $"The probe's URL '{url}' is not an absolute http or https URL.");
        var running = await (
            from d in db.AppDeployments.AsNoTracking()
            where d.ApplicationId == app.Id
            join e in db.Environments.AsNoTracking() on d.EnvironmentId equals e.Id
            where e.Name == probe.Environment
            join r in db.Revisions.AsNoTracking()
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            select r.SealedSpec
        ).FirstOrDefaultAsync(ct);
        if (running is null)
            return Problem.Invalid(
                "probe",
                $"'{app.Name}' is not deployed to environment '{probe.Environment}': there is nothing to probe there."
            );
        var exposure = vault.Open(running).Exposure;
        if (exposure?.IngressHost is not { Length: > 0 } host)
            return Problem.Invalid(
                "probe",
                $"'{app.Name}' has no ingress host in environment '{probe.Environment}': publish one, or give the "
                    + "probe a url."
            );
        if (host.StartsWith(IngressRoute.WildcardPrefix, StringComparison.Ordinal))
            return Problem.Invalid(
                "probe",
                $"'{app.Name}' publishes the wildcard host '{host}' in '{probe.Environment}', which names no one host: "
                    + "give the probe a url."
            );
        var scheme = string.IsNullOrEmpty(exposure.TlsSecretName) ? "http" : "https";
        var path = probe.Path is { Length: > 0 } p ? (p.StartsWith('/') ? p : "/" + p) : "/";
        return new Uri($"{scheme}://{host}{path}");
    }

    /// <summary>One GET of <paramref name="url"/> within the probe timeout; network failures are words.</summary>
    public async Task<ProbeAttempt> TryAsync(Uri url, CancellationToken ct)
    {
        var allowed = await guard.CheckAsync(url, ct);
        if (!allowed.Succeeded)
            return new ProbeAttempt(false, allowed.Problem!.Message, Refused: true);
        var timeout = options.Value.ProbeTimeout;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
        attempt.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await httpClients
                .CreateClient(HttpClientName)
                .GetAsync(url, HttpCompletionOption.ResponseHeadersRead, attempt.Token);
            var status = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
            return new ProbeAttempt(
                response.IsSuccessStatusCode,
                $"answered {status} in {clock.Elapsed.TotalMilliseconds:0} ms"
            );
        }
        catch (HttpRequestException e) when (Refusal(e) is { } refused)
        {
            return new ProbeAttempt(false, refused.Message, Refused: true);
        }
        catch (HttpRequestException e)
        {
            return new ProbeAttempt(false, $"could not be reached: {e.Message}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new ProbeAttempt(false, $"did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private static TargetRefusedException? Refusal(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is TargetRefusedException refusal)
                return refusal;
        }
        return null;
    }
}
