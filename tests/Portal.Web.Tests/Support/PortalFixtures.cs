using Microsoft.Extensions.DependencyInjection;

namespace Portal.Web.Tests.Support;

/// <summary>One portal per test class; tests keep apart by using names of their own.</summary>
public abstract class PortalFixture : IAsyncLifetime
{
    private PortalFactory? _factory;
    private string? _unavailable;

    protected abstract DatabaseKind Kind { get; }

    /// <summary>Settings beyond the test defaults, such as turning the embedded sandbox on.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <summary>Services that replace the portal's own, such as a Git client reaching local repositories.</summary>
    protected virtual Action<IServiceCollection>? TestServices => null;

    /// <summary>Where the portal's log lines go besides its own providers, when a test reads them.</summary>
    protected virtual CapturedLogs? Logs => null;

    /// <summary>The running portal, or a skipped test when its database is not configured outside CI.</summary>
    public PortalFactory Factory
    {
        get
        {
            Skip.If(_unavailable is not null, _unavailable);
            return _factory!;
        }
    }

    public Task InitializeAsync()
    {
        if (Kind == DatabaseKind.Postgres && TestDatabases.PostgresServer is null)
        {
            if (TestDatabases.InCi)
                throw new InvalidOperationException(
                    "CI=true but PORTAL_TEST_POSTGRES is not set: the PostgreSQL tests cannot run."
                );
            _unavailable = "PORTAL_TEST_POSTGRES is not set; PostgreSQL tests run in CI (.ci/run).";
            return Task.CompletedTask;
        }
        _factory = new PortalFactory(Kind, Settings) { TestServices = TestServices, Logs = Logs };
        _ = _factory.Server; // start now, so that a database that cannot be reached fails here
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
    }
}

public sealed class SqlitePortal : PortalFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresPortal : PortalFixture
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>A portal with its embedded sandbox cluster and a job server, for journeys that reach a cluster.</summary>
public abstract class SandboxPortalOn : PortalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Portal:Sandbox:Enabled"] = "true",
            ["Portal:Sandbox:PodStartDelay"] = "00:00:00.050",
            ["Portal:Jobs:RunServer"] = "true",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.100",
            ["Portal:Applications:FailFastAfter"] = "00:00:01",
            ["Portal:Applications:RecheckEvery"] = "00:00:00.300",
            ["Portal:Applications:RolloutTimeout"] = "00:00:40",
        };
}

public sealed class SandboxPortal : SandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

/// <summary>
/// The same on PostgreSQL, with Hangfire's PostgreSQL storage: for the journeys whose queries matter most.
/// </summary>
public sealed class PostgresSandboxPortal : SandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
