using System.Collections.Concurrent;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// Bad input at volume: ten thousand malformed requests, made from one seed, spread over every POST, PUT, PATCH and
/// DELETE endpoint of the portal (found in its endpoint data source, so that a new endpoint is covered without
/// touching this test) and signed in as each endpoint's caller is, with real identifiers in the routes and valid
/// anti-forgery tokens on most forms so that the requests reach the actions. Wrong JSON types, missing fields,
/// megabyte strings, control characters and NULs, invalid UTF-8, JSON nested ten thousand deep, wrong content types,
/// truncated bodies, bogus and duplicate fields, huge and negative numbers, broken route values. None may be answered
/// with a 5xx, and none may change a row of the database (refusals the portal audits as Denied aside, see
/// <see cref="WorldFingerprint.AuditTable"/>) or an object of the cluster.
/// </summary>
public abstract class MalformedInputScenarios(MalformedInputPortalOn portal, ITestOutputHelper output)
{
    private const int Requests = 10_000;
    private const int Seed = 17_03;

    [SkippableFact]
    public async Task Ten_thousand_malformed_requests_to_every_changing_endpoint_get_no_5xx_and_change_nothing()
    {
        var factory = portal.Factory;
        var endpoints = ChangingEndpoints.Of(factory.Services);
        Assert.True(endpoints.Count >= 150, $"Only {endpoints.Count} changing endpoints found: the crawl is broken.");
        var world = await MalformedInputWorld.BuildAsync(factory);
        var requests = MalformedRequests.Generate(endpoints, Requests, Seed);
        var before = await SettledAsync(factory);
        var statuses = new ConcurrentDictionary<int, int>();
        var offenders = new ConcurrentBag<string>();
        var accepted = new ConcurrentBag<string>();

        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
        {
            var message = MalformedRequests.Build(request, world.RouteValues);
            var status = 0;
            string? failure = null;
            try
            {
                using var response = await world.SendAsync(request, message);
                status = (int)response.StatusCode;
            }
            catch (Exception thrown)
            {
                failure = $"{thrown.GetType().Name}: {thrown.Message}";
            }
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (status is >= 200 and < 400)
                accepted.Add($"{status} {request.Endpoint} {request.Case}");
            if (status is 0 or >= 500)
                offenders.Add(
                    $"{(status == 0 ? failure : status.ToString())} {request.Endpoint.Method} "
                        + $"/{request.Endpoint.Pattern} {request.Case} {Clip(message.Url)} "
                        + $"body: {message.BodyStart()}"
                );
        });
        var after = await WorldFingerprint.TakeAsync(factory);
        var changes = after.ChangesSince(before);

        output.WriteLine(
            $"{requests.Count} requests over {endpoints.Count} endpoints "
                + $"({string.Join(", ", endpoints.GroupBy(e => e.Shape).Select(g => $"{g.Count()} {g.Key}"))});"
                + $" {before.Tables} tables, {before.Rows} rows, {before.ClusterObjects} cluster objects watched"
        );
        output.WriteLine(
            "Answers: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))
        );
        output.WriteLine(
            "Cases: "
                + string.Join(
                    ", ",
                    requests.GroupBy(r => r.Case).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")
                )
        );
        foreach (var offender in offenders.GroupBy(o => string.Join(' ', o.Split(' ').Take(4))).Take(60))
            output.WriteLine($"{offender.Count()}× {offender.First()}");
        foreach (
            var error in portal
                .Captured.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal))
                .Select(l => l.Split('\n')[0])
                .Distinct()
                .Take(40)
        )
            output.WriteLine(Clip(error, 600));
        // Not failures by themselves (a refused form redirects back with its message), but where to look first
        // when a row changed.
        foreach (var answer in accepted.GroupBy(a => a).OrderByDescending(g => g.Count()).Take(40))
            output.WriteLine($"answered {answer.Count()}× {answer.Key}");
        foreach (var change in changes)
            output.WriteLine(Clip(change, 2000));
        Assert.Empty(offenders);
        Assert.Empty(changes);
    }

    /// <summary>The fingerprint once the portal has stopped changing by itself after starting (its watch
    /// settled).</summary>
    private static async Task<WorldFingerprint> SettledAsync(PortalFactory factory)
    {
        var last = await WorldFingerprint.TakeAsync(factory);
        for (var attempt = 0; attempt < 30; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await WorldFingerprint.TakeAsync(factory);
            if (now.ChangesSince(last).Count == 0)
                return now;
            last = now;
        }
        throw new InvalidOperationException("The portal's database never stopped changing by itself.");
    }

    private static string Clip(string text, int length = 160) =>
        text.Length <= length ? text : text[..length] + $"… ({text.Length} chars)";
}

/// <summary>A portal with its embedded sandbox cluster (whose objects are counted) and no job server.</summary>
public abstract class MalformedInputPortalOn : PortalFixture
{
    public CapturedLogs Captured { get; } = new();

    protected override CapturedLogs? Logs => Captured;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Portal:Sandbox:Enabled"] = "true",
            ["Portal:Sandbox:PodStartDelay"] = "00:00:00.050",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.100",
        };
}

public sealed class MalformedInputPortal : MalformedInputPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class MalformedInputPostgresPortal : MalformedInputPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

[Trait("Database", "Sqlite")]
public sealed class MalformedInputOnSqlite(MalformedInputPortal portal, ITestOutputHelper output)
    : MalformedInputScenarios(portal, output),
        IClassFixture<MalformedInputPortal>;

[Trait("Database", "Postgres")]
public sealed class MalformedInputOnPostgres(MalformedInputPostgresPortal portal, ITestOutputHelper output)
    : MalformedInputScenarios(portal, output),
        IClassFixture<MalformedInputPostgresPortal>;
